import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { daysBetween, localDate } from './calendar-days.ts';
import { cycleDay, cycleStart } from './cycle.ts';
import { applyReflection, canReflect } from './reflection.ts';
import { defaultRules } from './rules.ts';
import { plannedReset, rollover } from './rollover.ts';
import type { CycleState } from './rollover.ts';

const DAY_MS = 86_400_000;
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Pacific/Apia',
  // DST falls back at midnight: a day of 25 hours whose last hour repeats, or whose midnight happens twice.
  'America/Santiago',
  'Asia/Beirut',
  'America/Havana',
];

const dateIn = (min: string, max: string) =>
  fc.integer({ min: Date.parse(min) / DAY_MS, max: Date.parse(max) / DAY_MS }).map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10));
const zoneAndStart = fc.oneof(
  fc.record({ tz: fc.constantFrom(...ZONES), start: dateIn('2005-01-01', '2035-01-01') }),
  fc.record({ tz: fc.constant('Pacific/Apia'), start: dateIn('2011-11-20', '2011-12-31') }), // cycles that contain the skipped date
);
/** Time between two looks at the user: minutes (as a busy app), hours, or days (a due-work loop that was down). */
const gap = fc.oneof(fc.integer({ min: 1, max: 90 * 60_000 }), fc.integer({ min: 1, max: 30 * 3_600_000 }), fc.integer({ min: 1, max: 4 * DAY_MS }));
const step = fc.record({ gapMs: gap, reflect: fc.boolean(), lookTwice: fc.boolean() });

describe('rollover', () => {
  it('resets exactly once per cycle: start dates advance by one cycle each time, never skip or repeat', () => {
    fc.assert(
      fc.property(zoneAndStart, fc.integer({ min: 0, max: DAY_MS - 1 }), fc.array(step, { minLength: 1, maxLength: 60 }), ({ tz, start }, firstOffset, steps) => {
        let cycle: CycleState = { startDate: start };
        let now = cycleStart(start, tz).getTime() + firstOffset;
        const starts = [start];
        const answered = new Set<string>();
        for (const { gapMs, reflect, lookTwice } of steps) {
          const previousLook = now;
          now += gapMs;
          const { cycle: current, resets } = rollover(cycle, new Date(now), tz);
          for (const reset of resets) {
            expect(reset.previousStartDate).toBe(starts.at(-1));
            expect(daysBetween(reset.previousStartDate, reset.nextStartDate)).toBe(7);
            expect(reset.reason).toBe(answered.has(reset.previousStartDate) ? 'reflected' : 'expired');
            // Reported at the first look after it fell due: not early, and not left for a later look.
            expect(reset.at.getTime()).toBeGreaterThan(previousLook);
            expect(reset.at.getTime()).toBeLessThanOrEqual(now);
            starts.push(reset.nextStartDate);
          }
          cycle = current;
          expect(cycle.startDate).toBe(starts.at(-1));
          if (lookTwice) expect(rollover(cycle, new Date(now), tz).resets).toEqual([]); // a second replica finds nothing to do
          const day = cycleDay(cycle.startDate, new Date(now), tz);
          expect(day).toBeGreaterThanOrEqual(1);
          expect(day).toBeLessThanOrEqual(7);
          if (reflect && canReflect(cycle, new Date(now), tz, defaultRules)) {
            const outcome = applyReflection(cycle, new Date(now), tz, defaultRules);
            cycle = { ...cycle, reflectionAnsweredAt: outcome.answeredAt, nextCycleStartDate: outcome.nextCycleStartDate };
            answered.add(cycle.startDate);
            expect(canReflect(cycle, new Date(now), tz, defaultRules)).toBe(false);
          }
        }
        expect(new Set(starts).size).toBe(starts.length);
        expect(starts.length - 1).toBe(Math.floor(daysBetween(start, localDate(new Date(now), tz)) / 7));
      }),
      { numRuns: 300 },
    );
  });

  it('after a reflection, resets at the next local midnight with reason reflected; Day 7 lasts until then', () => {
    const tz = 'Asia/Kolkata';
    const cycle: CycleState = { startDate: '2024-01-08', reflectionAnsweredAt: new Date('2024-01-14T04:00:00Z'), nextCycleStartDate: '2024-01-15' };
    expect(plannedReset(cycle, tz)).toEqual({ reason: 'reflected', previousStartDate: '2024-01-08', nextStartDate: '2024-01-15', at: new Date('2024-01-14T18:30:00Z') });
    expect(rollover(cycle, new Date('2024-01-14T18:29:59.999Z'), tz)).toEqual({ cycle, resets: [] });
    expect(rollover(cycle, new Date('2024-01-14T18:30:00Z'), tz).cycle).toEqual({ startDate: '2024-01-15' });
  });

  it('keeps the announced next cycle when the zone changes after the answer', () => {
    // Answered at 09:30 on Day 7 in Kolkata (04:00Z); the user then moves to New York, where that instant was still Day 6.
    const cycle: CycleState = { startDate: '2024-01-08', reflectionAnsweredAt: new Date('2024-01-14T04:00:00Z'), nextCycleStartDate: '2024-01-15' };
    expect(plannedReset(cycle, 'America/New_York')).toMatchObject({ reason: 'reflected', nextStartDate: '2024-01-15', at: new Date('2024-01-15T05:00:00Z') });
  });

  it('never rewinds on a stored next date that is not after the start', () => {
    const corrupt: CycleState = { startDate: '2024-01-08', reflectionAnsweredAt: new Date('2024-01-14T15:00:00Z'), nextCycleStartDate: '2024-01-08' };
    expect(plannedReset(corrupt, 'UTC').nextStartDate).toBe('2024-01-15');
  });

  it('an absence of three weeks yields three expired resets, in order', () => {
    const { cycle, resets } = rollover({ startDate: '2024-01-01' }, new Date('2024-01-22T12:00:00Z'), 'Europe/London');
    expect(resets.map((r) => [r.reason, r.previousStartDate, r.nextStartDate])).toEqual([
      ['expired', '2024-01-01', '2024-01-08'],
      ['expired', '2024-01-08', '2024-01-15'],
      ['expired', '2024-01-15', '2024-01-22'],
    ]);
    expect(cycle).toEqual({ startDate: '2024-01-22' });
  });
});
