import { describe, expect, it } from '@jest/globals';
import { defaultRules } from './rules.ts';
import { nextPromptInstant, promptAt, promptChanges, readingRequestsDue, type PromptInput } from './prompts.ts';

const minute = 60_000;
// Thursday 2026-03-05 12:00 in New York (EST); the cycle started Tuesday 2026-03-03, so today is Day 3.
const now = new Date('2026-03-05T17:00:00Z');
const baseline = { meanMs: 50, stdDevMs: 2, sampleCount: 5 };
const at = (minutes: number) => new Date(now.getTime() + minutes * minute);
const event = (id: string, startMinutes: number, minutes: number) => ({ id, title: 'Board Meeting', startsAt: at(startMinutes), endsAt: at(startMinutes + minutes) });

function input(patch: Partial<PromptInput> = {}): PromptInput {
  const reading = { valueMs: 35, metric: 'sdnn' as const, measuredAt: at(-5), baseline };
  return {
    now,
    timeZone: 'America/New_York',
    cycleStartDate: '2026-03-03',
    reading,
    readings: [reading],
    events: [event('board', -10, 60)],
    lockedEventIds: new Set(),
    readingRequestedEventIds: new Set(),
    ...patch,
  };
}

describe('prompts', () => {
  it('is the brake exactly when the brake decision shows it, expiring with its event', () => {
    expect(promptAt(input(), defaultRules)).toEqual({ kind: 'brake', event: { id: 'board', startsAt: at(-10), endsAt: at(50) }, day: 3, expiresAt: at(50) });
    expect(promptAt(input({ coolingUntil: at(1) }), defaultRules)).toEqual({ kind: 'none' });
    expect(promptAt(input({ cycleStartDate: '2026-03-04' }), defaultRules)).toEqual({ kind: 'none' }); // Day 2
  });

  it('is the reflection from 09:00 local on Day 7 until the day ends, unless answered', () => {
    const day7 = input({ cycleStartDate: '2026-02-27', now: new Date('2026-03-05T14:00:00Z'), events: [] });
    expect(promptAt(day7, defaultRules)).toEqual({ kind: 'reflection', day: 7, expiresAt: new Date('2026-03-06T05:00:00Z') });
    expect(promptAt({ ...day7, now: new Date('2026-03-05T13:59:59.999Z') }, defaultRules)).toEqual({ kind: 'none' });
    expect(promptAt({ ...day7, reflectionAnsweredAt: day7.now }, defaultRules)).toEqual({ kind: 'none' });
  });

  it('names why a brake was withdrawn: its event over, Proceed for it, or the rule that holds it back now', () => {
    const raised = promptAt(input(), defaultRules);
    const ended = input({ now: at(50) });
    expect(promptChanges(raised, promptAt(ended, defaultRules), ended, defaultRules)).toEqual([
      { kind: 'brake_withdrawn', event: { id: 'board', startsAt: at(-10), endsAt: at(50) }, reason: 'no_high_stakes_event' },
    ]);
    const proceeded = input({ lockedEventIds: new Set(['board']) });
    expect(promptChanges(raised, promptAt(proceeded, defaultRules), proceeded, defaultRules)[0]).toMatchObject({ reason: 'locked_for_event' });
    const delayed = input({ coolingUntil: at(20) });
    expect(promptChanges(raised, promptAt(delayed, defaultRules), delayed, defaultRules)[0]).toMatchObject({ reason: 'cooling' });
    // Another event's brake replacing it: withdrawn without a failing rule, then raised for the other event.
    const earlier = input({ events: [event('board', -10, 60), event('call', -20, 60)] });
    expect(promptChanges(raised, promptAt(earlier, defaultRules), earlier, defaultRules).map((c) => [c.kind, 'reason' in c ? c.reason : undefined])).toEqual([
      ['brake_withdrawn', undefined],
      ['brake_raised', undefined],
    ]);
    expect(promptChanges(raised, raised, input(), defaultRules)).toEqual([]);
  });

  it('asks for a reading when an intervention-day event starts (or its lead begins) and the reading will not be fresh then; once', () => {
    const stale = { valueMs: 35, metric: 'sdnn' as const, measuredAt: at(-120), baseline };
    const starting = input({ reading: stale, readings: [stale], events: [event('board', 0, 60)] });
    expect(readingRequestsDue(starting, defaultRules).map((e) => e.id)).toEqual(['board']);
    expect(readingRequestsDue({ ...starting, readingRequestedEventIds: new Set(['board']) }, defaultRules)).toEqual([]);
    expect(readingRequestsDue({ ...starting, lockedEventIds: new Set(['board']) }, defaultRules)).toEqual([]);
    expect(readingRequestsDue({ ...starting, cycleStartDate: '2026-03-04' }, defaultRules)).toEqual([]); // Day 2: silence
    // A reading fresh at the start is enough; a lead asks that many minutes ahead, judging freshness at the start.
    const soon = input({ events: [event('board', 10, 60)] });
    expect(readingRequestsDue(soon, defaultRules)).toEqual([]);
    expect(readingRequestsDue(soon, { ...defaultRules, readingRequestLeadMinutes: 10 })).toEqual([]);
    const later = input({ reading: stale, readings: [stale], events: [event('board', 10, 60)] });
    expect(readingRequestsDue(later, { ...defaultRules, readingRequestLeadMinutes: 10 }).map((e) => e.id)).toEqual(['board']);
    expect(readingRequestsDue(later, defaultRules)).toEqual([]);
  });

  it('is next due at the earliest instant that can change it', () => {
    expect(nextPromptInstant(input(), defaultRules)).toEqual(at(50)); // the meeting ends before the reading goes stale (+55 min)
    expect(nextPromptInstant(input({ coolingUntil: at(20) }), defaultRules)).toEqual(at(20));
    expect(nextPromptInstant(input({ events: [] }), defaultRules)).toEqual(new Date(at(55).getTime() + 1));
    expect(nextPromptInstant(input({ events: [event('later', 30, 60)] }), { ...defaultRules, readingRequestLeadMinutes: 15 })).toEqual(at(15));
    // Nothing else pending: the next local midnight (05:00Z in EST).
    const quiet = input({ events: [], reading: undefined, readings: [] });
    expect(nextPromptInstant(quiet, defaultRules)).toEqual(new Date('2026-03-06T05:00:00Z'));
  });
});
