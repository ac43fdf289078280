import { describe, expect, it } from '@jest/globals';
import { decideCalendarItem, type CalendarItem, type StoredEvent } from './calendar-decision.ts';
import { defaultHighStakesKeywords } from './settings.ts';

const now = new Date('2026-06-10T12:00:00Z');
const hour = 3_600_000;
const rules = { keywords: defaultHighStakesKeywords, windowMs: 14 * 24 * hour };
const at = (h: number) => new Date(now.getTime() + h * hour);
const board: CalendarItem = { eventId: 'e1', cancelled: false, title: 'Board Meeting', startsAt: at(1), endsAt: at(2) };
const stored: StoredEvent = { title: 'Board Meeting', startsAt: at(1), endsAt: at(2) };

describe('decideCalendarItem', () => {
  it('keeps a new high-stakes event, and one that changed', () => {
    expect(decideCalendarItem(board, undefined, now, rules)).toEqual({ kind: 'upsert', title: 'Board Meeting', startsAt: at(1), endsAt: at(2) });
    expect(decideCalendarItem({ ...board, endsAt: at(3) }, stored, now, rules)).toMatchObject({ kind: 'upsert', endsAt: at(3) });
    expect(decideCalendarItem({ ...board, title: 'Board Meeting (moved)' }, stored, now, rules)).toMatchObject({ kind: 'upsert' });
  });

  it('publishes nothing for an unchanged event', () => {
    expect(decideCalendarItem(board, stored, now, rules)).toEqual({ kind: 'none' });
  });

  it('keeps a running event', () => {
    expect(decideCalendarItem({ ...board, startsAt: at(-1) }, undefined, now, rules)).toMatchObject({ kind: 'upsert' });
  });

  it('removes what was kept when it is cancelled, renamed to something ordinary, becomes all-day, or moves out of the window', () => {
    expect(decideCalendarItem({ eventId: 'e1', cancelled: true }, stored, now, rules)).toEqual({ kind: 'remove' });
    expect(decideCalendarItem({ ...board, title: 'Lunch' }, stored, now, rules)).toEqual({ kind: 'remove' });
    expect(decideCalendarItem({ eventId: 'e1', cancelled: false, title: 'Board offsite' }, stored, now, rules)).toEqual({ kind: 'remove' });
    expect(decideCalendarItem({ ...board, startsAt: at(24 * 20), endsAt: at(24 * 20 + 1) }, stored, now, rules)).toEqual({ kind: 'remove' });
  });

  it('drops ordinary, cancelled, all-day, far-off and malformed events that were never kept', () => {
    expect(decideCalendarItem({ ...board, title: 'Lunch' }, undefined, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ eventId: 'x', cancelled: true }, undefined, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ eventId: 'x', cancelled: false, title: 'Board day' }, undefined, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ ...board, startsAt: at(24 * 14), endsAt: at(24 * 14 + 1) }, undefined, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ ...board, endsAt: at(1) }, undefined, now, rules)).toEqual({ kind: 'none' });
  });

  it('drops an event that is already over when it was never kept', () => {
    expect(decideCalendarItem({ ...board, startsAt: at(-3), endsAt: at(-2) }, undefined, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ ...board, startsAt: at(-3), endsAt: now }, undefined, now, rules)).toEqual({ kind: 'none' });
  });

  // The engine holds the stored times: without the new ones it would go on braking until the old end.
  it('publishes the new times of a kept event edited to be over already: ended early, moved into the past', () => {
    const running: StoredEvent = { title: 'Board Meeting', startsAt: at(-1), endsAt: at(1) };
    const endedEarly = { ...board, startsAt: at(-1), endsAt: at(-0.25) };
    expect(decideCalendarItem(endedEarly, running, now, rules)).toEqual({ kind: 'upsert', title: 'Board Meeting', startsAt: at(-1), endsAt: at(-0.25) });
    expect(decideCalendarItem({ ...board, startsAt: at(-1), endsAt: now }, running, now, rules)).toMatchObject({ kind: 'upsert', endsAt: now });
    const moved = { ...board, startsAt: at(-4), endsAt: at(-3) };
    expect(decideCalendarItem(moved, stored, now, rules)).toEqual({ kind: 'upsert', title: 'Board Meeting', startsAt: at(-4), endsAt: at(-3) });
  });

  it('publishes nothing for a kept event that is over and unchanged, and removes one that is over and no longer qualifies', () => {
    const over: StoredEvent = { title: 'Board Meeting', startsAt: at(-3), endsAt: at(-2) };
    expect(decideCalendarItem({ ...board, startsAt: at(-3), endsAt: at(-2) }, over, now, rules)).toEqual({ kind: 'none' });
    expect(decideCalendarItem({ ...board, title: 'Lunch', startsAt: at(-3), endsAt: at(-2) }, over, now, rules)).toEqual({ kind: 'remove' });
    expect(decideCalendarItem({ eventId: 'e1', cancelled: true }, over, now, rules)).toEqual({ kind: 'remove' });
  });
});
