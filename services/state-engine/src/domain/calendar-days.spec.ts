import { describe, expect, it } from '@jest/globals';
import { Temporal } from 'temporal-polyfill';
import {
  addLocalDays,
  daysBetween,
  localDate,
  localTimeOn,
  nextLocalMidnight,
  startOfLocalDay,
} from './calendar-days.ts';

const at = (iso: string) => new Date(iso);
const hoursOfLocalDay = (date: string, tz: string) =>
  (startOfLocalDay(addLocalDays(date, 1), tz).getTime() - startOfLocalDay(date, tz).getTime()) / 3_600_000;

describe('localDate', () => {
  it.each([
    ['2024-01-01T10:30:00Z', 'Pacific/Kiritimati', '2024-01-02'], // +14: already the next date
    ['2024-01-01T10:30:00Z', 'Pacific/Pago_Pago', '2023-12-31'], // −11: the same instant, two dates earlier
    ['2024-01-01T18:29:59Z', 'Asia/Kolkata', '2024-01-01'], // +05:30: midnight is 18:30 UTC
    ['2024-01-01T18:30:00Z', 'Asia/Kolkata', '2024-01-02'],
    ['2024-03-10T06:59:59Z', 'America/New_York', '2024-03-10'], // 01:59:59 EST
    ['2024-03-10T07:00:00Z', 'America/New_York', '2024-03-10'], // 03:00 EDT, same date
    ['2011-12-30T09:59:59Z', 'Pacific/Apia', '2011-12-29'], // the last second before the skipped day…
    ['2011-12-30T10:00:00Z', 'Pacific/Apia', '2011-12-31'], // …and the next one: 2011-12-30 never happened
  ])('%s in %s is %s', (instant, tz, expected) => {
    expect(localDate(at(instant), tz)).toBe(expected);
  });

  it('answers the same from its per-zone memory of the last day as Temporal does afresh, across DST and skipped days', () => {
    const reference = (ms: number, tz: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz).toPlainDate().toString();
    const spans: Array<[string, string]> = [
      ['America/New_York', '2024-03-08T00:00:00Z'],
      ['America/New_York', '2024-11-01T00:00:00Z'],
      ['Australia/Lord_Howe', '2024-04-05T00:00:00Z'],
      ['America/Sao_Paulo', '2018-11-02T00:00:00Z'], // midnight did not exist on 2018-11-04
      ['Pacific/Apia', '2011-12-28T00:00:00Z'],
      // DST falls back at midnight (Santiago, Beirut: 00:00 → 23:00; Havana: 01:00 → 00:00, midnight twice).
      ['America/Santiago', '2024-04-05T00:00:00Z'],
      ['Asia/Beirut', '2024-10-25T00:00:00Z'],
      ['America/Havana', '2024-11-01T00:00:00Z'],
    ];
    for (const [tz, from] of spans) {
      const start = Date.parse(from);
      // Forward in 7-minute steps over four days, then the same instants shuffled (jumps between days).
      const instants = Array.from({ length: (4 * 24 * 60) / 7 }, (_, i) => start + i * 7 * 60_000);
      const shuffled = instants.map((ms, i) => instants[(i * 7919) % instants.length]!);
      for (const ms of [...instants, ...shuffled]) {
        const date = localDate(new Date(ms), tz);
        expect({ tz, ms, date }).toEqual({ tz, ms, date: reference(ms, tz) });
        expect(nextLocalMidnight(new Date(ms), tz).getTime()).toBe(startOfLocalDay(addLocalDays(date, 1), tz).getTime());
      }
    }
  });

  it('refuses an invalid instant rather than inventing a date', () => {
    expect(() => localDate(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('startOfLocalDay', () => {
  it.each([
    ['2024-03-10', 'America/New_York', '2024-03-10T05:00:00.000Z'],
    ['2024-03-11', 'America/New_York', '2024-03-11T04:00:00.000Z'],
    ['2024-01-02', 'Asia/Kolkata', '2024-01-01T18:30:00.000Z'],
    ['2024-01-01', 'Pacific/Kiritimati', '2023-12-31T10:00:00.000Z'],
    ['2024-01-01', 'Pacific/Pago_Pago', '2024-01-01T11:00:00.000Z'],
    // DST began at midnight: 00:00 did not exist, the day started at 01:00 −02:00.
    ['2018-11-04', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z'],
    // A skipped date starts (and ends) where the next date starts.
    ['2011-12-30', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'],
    ['2011-12-31', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'],
    // DST falls back at midnight: the date after the repeated hour starts at the second midnight…
    ['2024-04-07', 'America/Santiago', '2024-04-07T04:00:00.000Z'],
    ['2024-10-27', 'Asia/Beirut', '2024-10-26T22:00:00.000Z'],
    // …or at the first of two midnights (Havana repeats 00:00–01:00).
    ['2024-11-03', 'America/Havana', '2024-11-03T04:00:00.000Z'],
    // DST springs forward over midnight: the date starts at 01:00.
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z'],
    ['2024-03-31', 'Asia/Beirut', '2024-03-30T22:00:00.000Z'],
    ['2024-03-10', 'America/Havana', '2024-03-10T05:00:00.000Z'],
  ])('%s in %s starts at %s', (date, tz, expected) => {
    expect(startOfLocalDay(date, tz).toISOString()).toBe(expected);
  });

  it.each([
    ['2024-03-10', 'America/New_York', 23],
    ['2024-11-03', 'America/New_York', 25],
    ['2024-03-31', 'Europe/London', 23],
    ['2024-10-27', 'Europe/London', 25],
    ['2024-04-07', 'Australia/Lord_Howe', 24.5], // 02:00 → 01:30
    ['2024-10-06', 'Australia/Lord_Howe', 23.5], // 02:00 → 02:30
    ['2024-03-31', 'Asia/Kolkata', 24],
    ['2018-11-04', 'America/Sao_Paulo', 23],
    ['2011-12-29', 'Pacific/Apia', 24],
    ['2011-12-30', 'Pacific/Apia', 0],
    ['2024-04-06', 'America/Santiago', 25],
    ['2024-09-08', 'America/Santiago', 23],
    ['2024-10-26', 'Asia/Beirut', 25],
    ['2024-03-31', 'Asia/Beirut', 23],
    ['2024-11-03', 'America/Havana', 25],
    ['2024-03-10', 'America/Havana', 23],
  ])('the local day %s in %s lasts %d hours', (date, tz, hours) => {
    expect(hoursOfLocalDay(date, tz)).toBe(hours);
  });

  it('refuses anything that is not exactly a YYYY-MM-DD date', () => {
    for (const bad of ['2024-02-30', '2024-1-01', '2024-01-01T00:00', '', '+002024-01-01']) {
      expect(() => startOfLocalDay(bad, 'UTC')).toThrow(RangeError);
    }
  });
});

describe('nextLocalMidnight', () => {
  it.each([
    ['2024-03-10T12:00:00Z', 'America/New_York', '2024-03-11T04:00:00.000Z'],
    ['2024-11-03T05:30:00Z', 'America/New_York', '2024-11-04T05:00:00.000Z'], // 01:30 EDT, the first of two
    ['2024-01-01T18:29:00Z', 'Asia/Kolkata', '2024-01-01T18:30:00.000Z'],
    ['2011-12-29T12:00:00Z', 'Pacific/Apia', '2011-12-30T10:00:00.000Z'], // 02:00 on the 29th → the 31st
    ['2018-11-03T12:00:00Z', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z'],
  ])('after %s in %s is %s', (instant, tz, expected) => {
    expect(nextLocalMidnight(at(instant), tz).toISOString()).toBe(expected);
  });

  it('is strictly later than the instant, exactly at midnight too', () => {
    const midnight = startOfLocalDay('2024-06-01', 'Europe/London');
    expect(nextLocalMidnight(midnight, 'Europe/London').toISOString()).toBe(startOfLocalDay('2024-06-02', 'Europe/London').toISOString());
  });
});

describe('date arithmetic', () => {
  it('adds and counts calendar days across month, year and leap-day boundaries', () => {
    expect(addLocalDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addLocalDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addLocalDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(daysBetween('2024-03-01', '2024-01-01')).toBe(-60);
    expect(daysBetween('2011-12-29', '2011-12-31')).toBe(2); // the skipped date is still a calendar day
  });

  it('refuses fractional days', () => {
    expect(() => addLocalDays('2024-01-01', 0.5)).toThrow(RangeError);
  });
});

describe('localTimeOn', () => {
  it.each([
    ['2024-01-07', 9, 'America/New_York', '2024-01-07T14:00:00.000Z'],
    ['2024-07-07', 9, 'America/New_York', '2024-07-07T13:00:00.000Z'],
    ['2024-03-10', 2, 'America/New_York', '2024-03-10T07:00:00.000Z'], // in the gap → 03:00 EDT
    ['2024-11-03', 1, 'America/New_York', '2024-11-03T05:00:00.000Z'], // twice → the earlier (EDT)
    ['2024-10-06', 2, 'Australia/Lord_Howe', '2024-10-05T15:30:00.000Z'], // 02:00 → 02:30 +11
    ['2024-01-07', 9, 'Asia/Kolkata', '2024-01-07T03:30:00.000Z'],
    ['2011-12-30', 9, 'Pacific/Apia', '2011-12-30T19:00:00.000Z'], // skipped date → 09:00 on the 31st
  ])('%s at %d:00 in %s is %s', (date, hour, tz, expected) => {
    expect(localTimeOn(date, hour, tz).toISOString()).toBe(expected);
  });

  it('refuses hours outside 0–23', () => {
    expect(() => localTimeOn('2024-01-01', 24, 'UTC')).toThrow(RangeError);
    expect(() => localTimeOn('2024-01-01', -1, 'UTC')).toThrow(RangeError);
  });
});
