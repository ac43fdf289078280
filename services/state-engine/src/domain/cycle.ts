/**
 * The 7-day cycle. A cycle is identified by its first local date (`cycleStartDate`, 'YYYY-MM-DD') in
 * the user's zone, not by an instant: "Day 3" is a calendar date on the user's wall clock, so it must
 * stay Day 3 whatever the length of the days in between (DST) and follow the user when the zone is
 * re-read. Instants (cycleStart, cycleEnd, the reflection window) are derived from the date and zone.
 */
import { InvalidArgumentError } from '@omtobe/platform';
import { addLocalDays, daysBetween, localDate, localTimeOn, startOfLocalDay } from './calendar-days.ts';
import type { Rules } from './rules.ts';

export const CYCLE_LENGTH_DAYS = 7;

export type Phase = 'total_silence' | 'intervention_logic' | 'preparation' | 'reflection';

/**
 * Calendar days since the cycle's first local date, plus one. Not clamped: a value above 7 means the
 * cycle is over and the caller must roll over; a value below 1 can only come from a zone change that
 * moved the user's "today" before the start date (e.g. Tokyo → Honolulu on Day 1).
 * A date the zone skipped (Pacific/Apia, 2011-12-30) still counts: days are calendar dates.
 */
export function cycleDay(cycleStartDate: string, now: Date, timeZone: string): number {
  return daysBetween(cycleStartDate, localDate(now, timeZone)) + 1;
}

/**
 * The day the user is told (CheckBrake, GetState, SetCycleDay): always 1–7, as the contract says. Below 1
 * only after a zone change moved the user's "today" before the cycle's first local date (Tokyo → Honolulu on
 * Day 1): they stay on Day 1 (Total Silence, as before the move) until that date begins in the new zone. Above 7
 * only until the due rollover, which every read applies first: Day 7.
 */
export function cycleDayShown(cycleStartDate: string, now: Date, timeZone: string): number {
  return Math.min(CYCLE_LENGTH_DAYS, Math.max(1, cycleDay(cycleStartDate, now, timeZone)));
}

/**
 * The phase of a day. Out-of-range days map to the nearest end (≤ 2 silence, ≥ 7 reflection) so that
 * a not-yet-rolled-over cycle is never mistaken for an intervention day.
 */
export function phaseOf(day: number): Phase {
  if (!Number.isInteger(day)) throw new RangeError(`a cycle day is an integer, got ${day}`);
  if (day <= 2) return 'total_silence';
  if (day <= 5) return 'intervention_logic';
  if (day === 6) return 'preparation';
  return 'reflection';
}

/** The first instant of Day 1 (local midnight, or the first instant after a DST gap at midnight). */
export function cycleStart(cycleStartDate: string, timeZone: string): Date {
  return startOfLocalDay(cycleStartDate, timeZone);
}

/** The first instant after Day 7: the start of Day 8's local date. */
export function cycleEnd(cycleStartDate: string, timeZone: string): Date {
  return startOfLocalDay(addLocalDays(cycleStartDate, CYCLE_LENGTH_DAYS), timeZone);
}

/** The local date of a cycle day (day 1 is the start date). */
export function dateOfCycleDay(cycleStartDate: string, day: number): string {
  return addLocalDays(cycleStartDate, day - 1);
}

/**
 * Day 7 from `reflectionHour` local until Day 7 ends: [opensAt, closesAt). If the opening hour falls
 * in a DST gap it opens at the first wall-clock time after the gap. If Day 7 is a date the zone skipped
 * entirely, opensAt lands after closesAt and the window is empty: that cycle can only expire.
 */
export function reflectionWindow(cycleStartDate: string, timeZone: string, rules: Pick<Rules, 'reflectionHour'>): { opensAt: Date; closesAt: Date } {
  return {
    opensAt: localTimeOn(dateOfCycleDay(cycleStartDate, CYCLE_LENGTH_DAYS), rules.reflectionHour, timeZone),
    closesAt: cycleEnd(cycleStartDate, timeZone),
  };
}

/** After an answer, the next cycle starts on the local date after the answer's (its first instant is the next local midnight). */
export function nextCycleAfterReflection(answeredAt: Date, timeZone: string): string {
  return addLocalDays(localDate(answeredAt, timeZone), 1);
}

/** An unanswered cycle is followed directly by the next one: its Day 1 is this cycle's Day 8. */
export function nextCycleAfterExpiry(cycleStartDate: string): string {
  return addLocalDays(cycleStartDate, CYCLE_LENGTH_DAYS);
}

/**
 * The start date that makes `now` fall on `day` (development mode's "set cycle day"). Only days of a
 * cycle are accepted: anything else would create a cycle that is already over or not yet begun.
 */
export function setCycleDay(now: Date, timeZone: string, day: number): string {
  if (!Number.isInteger(day) || day < 1 || day > CYCLE_LENGTH_DAYS) {
    throw new InvalidArgumentError(`day must be an integer 1–${CYCLE_LENGTH_DAYS}`, { reason: 'invalid_cycle_day' });
  }
  return addLocalDays(localDate(now, timeZone), -(day - 1));
}
