import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { meetingKey, oneEventPerMeeting, sameMeeting } from './meetings.ts';

const minute = 60_000;
const now = new Date('2026-03-05T17:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * minute);
const event = (id: string, startMinutes: number, minutes: number) => ({ id, startsAt: at(startMinutes), endsAt: at(startMinutes + minutes) });
const none = { lockedEventIds: new Set<string>() };
const ids = (events: Array<{ id: string }>) => events.map((e) => e.id);

describe('one meeting, whatever reports it', () => {
  it('is the same start and end instants: not the title, the source or the id', () => {
    expect(sameMeeting(event('google-1', 0, 60), event('device:ABC', 0, 60))).toBe(true);
    expect(sameMeeting(event('a', 0, 60), event('b', 0, 59))).toBe(false);
    expect(sameMeeting(event('a', 0, 60), event('b', 1, 59))).toBe(false);
    expect(meetingKey(event('a', 0, 60))).toBe(meetingKey(event('b', 0, 60)));
  });

  it('keeps one event per meeting, in the order the events came; other meetings (overlapping ones too) stay', () => {
    const events = [event('g', 0, 60), event('device:x', 0, 60), event('other', 0, 30), event('later', 30, 60)];
    expect(ids(oneEventPerMeeting(events, none))).toEqual(['device:x', 'other', 'later']); // the smallest id: 'device:x' < 'g'
  });

  it('represents a meeting by its locked event, else the shown brake’s, else the pending one’s, else the one a reading was asked for, else the smallest id', () => {
    const copies = [event('a', 0, 60), event('b', 0, 60), event('c', 0, 60), event('d', 0, 60), event('e', 0, 60)];
    expect(ids(oneEventPerMeeting(copies, none))).toEqual(['a']);
    expect(ids(oneEventPerMeeting(copies, { lockedEventIds: new Set(), readingRequestedEventIds: new Set(['e']) }))).toEqual(['e']);
    expect(ids(oneEventPerMeeting(copies, { lockedEventIds: new Set(), pendingEventId: 'd', readingRequestedEventIds: new Set(['e']) }))).toEqual(['d']);
    expect(ids(oneEventPerMeeting(copies, { lockedEventIds: new Set(), shownEventId: 'c', pendingEventId: 'd' }))).toEqual(['c']);
    expect(ids(oneEventPerMeeting(copies, { lockedEventIds: new Set(['b']), shownEventId: 'c', pendingEventId: 'd' }))).toEqual(['b']);
  });

  it('never depends on the order the copies arrived in', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(['a', 'b', 'c', 'd'], { minLength: 1 }),
        fc.subarray(['a', 'b', 'c', 'd']),
        fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
        (order, locked, shown) => {
          const copies = order.map((id) => event(id, 0, 60));
          const preferences = { lockedEventIds: new Set(locked), shownEventId: shown };
          const chosen = oneEventPerMeeting(copies, preferences);
          expect(chosen).toHaveLength(1);
          expect(chosen).toEqual(oneEventPerMeeting(copies.toReversed(), preferences));
        },
      ),
    );
  });
});
