import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FailedPreconditionError } from '@omtobe/platform';
import { Temporal } from 'temporal-polyfill';
import { cycleDay } from './cycle.ts';
import { applyReflection, canReflect } from './reflection.ts';
import { defaultRules } from './rules.ts';

const TZ = 'America/New_York';
const cycle = { startDate: '2024-01-08' }; // Day 7 is Sunday 2024-01-14 (EST, −05:00)
const at = (iso: string) => new Date(iso);

function failure(fn: () => unknown): { type: unknown; reason: string | undefined } {
  try {
    fn();
  } catch (error) {
    return { type: (error as object).constructor, reason: (error as FailedPreconditionError).reason };
  }
  throw new Error('expected a failure');
}

describe('canReflect', () => {
  it.each([
    ['2024-01-13T14:00:00.000Z', false], // Day 6, 09:00
    ['2024-01-14T13:59:59.999Z', false], // Day 7, 08:59:59.999
    ['2024-01-14T14:00:00.000Z', true], // Day 7, 09:00
    ['2024-01-15T04:59:59.999Z', true], // Day 7, 23:59:59.999
    ['2024-01-15T05:00:00.000Z', false], // Day 8 (the cycle is over)
  ])('at %s: %s', (instant, open) => {
    expect(canReflect(cycle, at(instant), TZ, defaultRules)).toBe(open);
  });

  it('is closed once answered, for the rest of Day 7', () => {
    expect(canReflect({ ...cycle, reflectionAnsweredAt: at('2024-01-14T15:00:00Z') }, at('2024-01-14T16:00:00Z'), TZ, defaultRules)).toBe(false);
  });

  it('follows the configured hour and the wall clock on a DST day', () => {
    // Day 7 = 2024-03-10, the spring-forward day: 09:00 EDT is 13:00Z, not 14:00Z.
    const dst = { startDate: '2024-03-04' };
    expect(canReflect(dst, at('2024-03-10T12:59:59.999Z'), TZ, defaultRules)).toBe(false);
    expect(canReflect(dst, at('2024-03-10T13:00:00.000Z'), TZ, defaultRules)).toBe(true);
    expect(canReflect(dst, at('2024-03-10T13:00:00.000Z'), TZ, { reflectionHour: 10 })).toBe(false);
  });

  it('is open exactly on Day 7 from the reflection hour, in any zone', () => {
    // Cycles that span a DST change: London's and Lord Howe's (2024-03-31, 04-07); and where DST falls back at
    // midnight, on Day 7 itself: Santiago (00:00 on 04-07 → 23:00 on 04-06), Beirut (00:00 on 10-27 → 23:00 on
    // 10-26) and Havana (01:00 → 00:00 on 11-03: midnight happens twice).
    const cycles: Array<[string, string]> = [
      ...['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'].map((tz): [string, string] => [tz, '2024-03-27']),
      ['America/Santiago', '2024-03-31'],
      ['Asia/Beirut', '2024-10-20'],
      ['America/Havana', '2024-10-28'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...cycles), fc.integer({ min: -2 * 86_400_000, max: 10 * 86_400_000 }), fc.integer({ min: 0, max: 23 }), ([tz, startDate], offset, hour) => {
        const c = { startDate };
        const now = new Date(Date.parse(`${startDate}T12:00:00Z`) - 86_400_000 + offset);
        const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(tz);
        const expected = cycleDay(c.startDate, now, tz) === 7 && local.hour >= hour;
        expect(canReflect(c, now, tz, { reflectionHour: hour })).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('applyReflection', () => {
  it('records the answer time and starts the next cycle at the next local midnight', () => {
    const outcome = applyReflection(cycle, at('2024-01-14T15:30:00Z'), TZ, defaultRules);
    expect(outcome).toEqual({
      answeredAt: at('2024-01-14T15:30:00Z'),
      nextCycleStartDate: '2024-01-15',
      nextCycleStartsAt: at('2024-01-15T05:00:00Z'),
    });
  });

  it('refuses a second answer with reflection_already_answered', () => {
    const answered = { ...cycle, reflectionAnsweredAt: at('2024-01-14T15:00:00Z') };
    expect(failure(() => applyReflection(answered, at('2024-01-14T16:00:00Z'), TZ, defaultRules))).toEqual({
      type: FailedPreconditionError,
      reason: 'reflection_already_answered',
    });
  });

  it.each(['2024-01-14T13:59:59.999Z', '2024-01-10T15:00:00Z', '2024-01-15T05:00:00Z'])('refuses an answer at %s with reflection_not_open', (instant) => {
    expect(failure(() => applyReflection(cycle, at(instant), TZ, defaultRules))).toEqual({ type: FailedPreconditionError, reason: 'reflection_not_open' });
  });
});
