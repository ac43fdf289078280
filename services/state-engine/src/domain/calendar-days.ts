/**
 * Local calendar days in an IANA time zone. All zone math goes through Temporal (the polyfill carries
 * the rules of every zone): hand-made offset arithmetic breaks on DST days (23 or 25 hours, or 23.5 on
 * Lord Howe), on zones whose midnight does not exist on a DST day (America/Sao_Paulo until 2019), and on
 * skipped dates (Pacific/Apia jumped from 2011-12-29 to 2011-12-31).
 *
 * Local dates are 'YYYY-MM-DD' strings: they compare, store and log as plain values, and they are what
 * identifies a cycle (its first local date).
 */
import { Temporal } from 'temporal-polyfill';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function plainDate(date: string): Temporal.PlainDate {
  // Temporal also accepts '2024-01-01T10:00' or '+002024-01-01'; a cycle date must be exactly a date.
  if (!DATE_PATTERN.test(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return Temporal.PlainDate.from(date, { overflow: 'reject' });
}

function zoned(instant: Date, timeZone: string): Temporal.ZonedDateTime {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid instant');
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
}

function toDate(zdt: Temporal.ZonedDateTime): Date {
  return new Date(zdt.epochMilliseconds);
}

interface LocalDay {
  date: string;
  /** The local day's instants: [from, until) in epoch milliseconds. */
  from: number;
  until: number;
}

// The last local day seen per zone. Every check needs "today" in the user's zone, and Temporal's zone math
// is the costliest part of a check; nearly every instant falls in a day already seen. Bounded by the
// number of zones in use (IANA has some 600 names); cleared when it somehow grows past that.
const lastDayByZone = new Map<string, LocalDay>();
const maxCachedZones = 1_000;

function localDay(instant: Date, timeZone: string): LocalDay {
  const ms = instant.getTime();
  const cached = lastDayByZone.get(timeZone);
  if (cached && ms >= cached.from && ms < cached.until) return cached;
  const date = zoned(instant, timeZone).toPlainDate().toString();
  // A local date's instants run from its first instant to the next date's first instant, with no gap.
  const day = { date, from: startOfLocalDay(date, timeZone).getTime(), until: startOfLocalDay(addLocalDays(date, 1), timeZone).getTime() };
  if (lastDayByZone.size >= maxCachedZones) lastDayByZone.clear();
  lastDayByZone.set(timeZone, day);
  return day;
}

/** The local date ('YYYY-MM-DD') of an instant in a zone. */
export function localDate(instant: Date, timeZone: string): string {
  return localDay(instant, timeZone).date;
}

/**
 * The first instant of a local date. When midnight does not exist (a DST jump at 00:00) it is the first
 * instant that does; for a date the zone skipped entirely it is the start of the next existing date,
 * so a skipped date lasts zero seconds.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  // Without a plainTime, Temporal resolves to the start of the day, which handles both cases above.
  return toDate(plainDate(date).toZonedDateTime({ timeZone }));
}

/** The start of the local date after the instant's local date. */
export function nextLocalMidnight(instant: Date, timeZone: string): Date {
  return new Date(localDay(instant, timeZone).until);
}

/** Calendar arithmetic on local dates (no zone: a date plus one day is the next date, whatever its length). */
export function addLocalDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return plainDate(date).add({ days }).toString();
}

/** Calendar days from one date to another (negative when toDate is earlier). */
export function daysBetween(fromDate: string, toDate: string): number {
  return plainDate(fromDate).until(plainDate(toDate), { largestUnit: 'days' }).days;
}

/**
 * The instant a local date reaches a wall-clock hour. A time that falls in a DST gap moves forward by
 * the gap ('compatible' disambiguation: 02:00 on a spring-forward night is 03:00), and a time that
 * happens twice (fall back) is the earlier one.
 */
export function localTimeOn(date: string, hour: number, timeZone: string): Date {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be 0–23, got ${hour}`);
  return toDate(plainDate(date).toPlainDateTime({ hour }).toZonedDateTime(timeZone, { disambiguation: 'compatible' }));
}
