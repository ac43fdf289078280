import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { InvalidArgumentError } from '@omtobe/platform';
import { startOfLocalDay } from './calendar-days.ts';
import { cycleDay, cycleDayShown, cycleEnd, cycleStart, nextCycleAfterExpiry, nextCycleAfterReflection, phaseOf, reflectionWindow, setCycleDay } from './cycle.ts';
import { defaultRules } from './rules.ts';

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe', // 30-minute DST shift
  'Asia/Kolkata', // +05:30, no DST
  'Pacific/Kiritimati', // +14, west of the date line in effect
  'Pacific/Pago_Pago', // −11, east of it
  'Pacific/Apia', // skipped 2011-12-30 when it moved across the date line
  'America/Sao_Paulo', // DST began at midnight until 2019: some days had no 00:00
  // DST falls back at midnight (the hour before it, or midnight itself, happens twice) and springs forward over it.
  'America/Santiago',
  'Asia/Beirut',
  'America/Havana',
] as const;

const DAY_MS = 86_400_000;
const RANGE = { min: Date.UTC(2005, 0, 1), max: Date.UTC(2035, 11, 31) };

// ---- An oracle independent of the code under test: local dates from Intl, date arithmetic on UTC epoch days.
const formatters = new Map<string, Intl.DateTimeFormat>();
function intlDate(instant: Date, tz: string): string {
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const part = (type: string) => f.formatToParts(instant).find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
const epochDay = (date: string) => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
const dateOfEpochDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Every offset transition of the zones in the range, for instants that sit right next to one. */
const transitions: Array<{ tz: string; at: number }> = ZONES.flatMap((tz) => {
  const found: Array<{ tz: string; at: number }> = [];
  let z: Temporal.ZonedDateTime | null = Temporal.Instant.fromEpochMilliseconds(RANGE.min).toZonedDateTimeISO(tz);
  while ((z = z.getTimeZoneTransition('next')) !== null && z.epochMilliseconds < RANGE.max) found.push({ tz, at: z.epochMilliseconds });
  return found;
});

const anyInstant = fc.integer(RANGE).map((ms) => new Date(ms));
/** Instants anywhere, within a day and a half of a zone's transition (where mistakes live), or around Apia's skipped date. */
const zoneAndInstant = fc.oneof(
  fc.record({ tz: fc.constantFrom(...ZONES), now: anyInstant }),
  fc
    .record({ t: fc.constantFrom(...transitions), delta: fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }) })
    .map(({ t, delta }) => ({ tz: t.tz, now: new Date(t.at + delta) })),
  // Within ten days of Apia's skipped date, so every run meets it a few times.
  fc
    .integer({ min: -10 * DAY_MS, max: 10 * DAY_MS })
    .map((delta) => ({ tz: 'Pacific/Apia', now: new Date(Date.parse('2011-12-30T10:00:00Z') + delta) })),
);

describe('cycleDay', () => {
  it('is 1 + the local midnights crossed since the start date, for any zone, instant and start date', () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.integer({ min: -10, max: 40 }), ({ tz, now }, back) => {
        const today = epochDay(intlDate(now, tz));
        const start = dateOfEpochDay(today - back);
        // A date the zone skipped (Apia) is a midnight crossed without a day lived: it still counts.
        expect(cycleDay(start, now, tz)).toBe(1 + (today - epochDay(start)));
      }),
      { numRuns: 400 },
    );
  });

  it('changes exactly at each local midnight: the last millisecond before is the previous day', () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.integer({ min: 1, max: 8 }), ({ tz, now }, k) => {
        const start = intlDate(now, tz);
        const dayK = dateOfEpochDay(epochDay(start) + k - 1);
        const midnight = startOfLocalDay(dayK, tz);
        const justBefore = new Date(midnight.getTime() - 1);
        // A skipped date (Apia) "starts" where the next date does, so that instant is already day k + 1.
        const skipped = intlDate(midnight, tz) !== dayK;
        expect(cycleDay(start, midnight, tz)).toBe(skipped ? k + 1 : k);
        expect(cycleDay(start, justBefore, tz)).toBe(1 + epochDay(intlDate(justBefore, tz)) - epochDay(start));
        expect(cycleDay(start, justBefore, tz)).toBeLessThan(k);
      }),
      { numRuns: 300 },
    );
  });

  it('stepping across a DST (or any offset) transition changes the day exactly when the local date changes', () => {
    const step = fc.integer({ min: 0, max: 6 * 3_600_000 });
    fc.assert(
      fc.property(fc.constantFrom(...transitions), step, step, fc.integer({ min: 0, max: 6 }), ({ tz, at }, before, after, back) => {
        const t0 = new Date(at - 1 - before);
        const t1 = new Date(at + after);
        const start = dateOfEpochDay(epochDay(intlDate(t0, tz)) - back);
        const dateChange = epochDay(intlDate(t1, tz)) - epochDay(intlDate(t0, tz));
        expect(cycleDay(start, t1, tz) - cycleDay(start, t0, tz)).toBe(dateChange);
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    // zone, start date, instant, day
    ['America/New_York', '2024-03-06', '2024-03-11T03:59:59.999Z', 5], // 23:59:59.999 EDT on Mar 10, the 23-hour day
    ['America/New_York', '2024-03-06', '2024-03-11T04:00:00.000Z', 6],
    ['America/New_York', '2024-10-29', '2024-11-04T04:59:59.999Z', 6], // end of the 25-hour day
    ['America/New_York', '2024-10-29', '2024-11-04T05:00:00.000Z', 7],
    ['Europe/London', '2024-03-29', '2024-03-31T00:59:59.999Z', 3],
    ['Europe/London', '2024-03-29', '2024-03-31T01:00:00.000Z', 3], // 02:00 BST, same date
    ['Australia/Lord_Howe', '2024-04-05', '2024-04-06T15:00:00.000Z', 3], // 02:00 +11 becomes 01:30 +10:30
    ['Australia/Lord_Howe', '2024-04-05', '2024-04-07T13:29:59.999Z', 3],
    ['Australia/Lord_Howe', '2024-04-05', '2024-04-07T13:30:00.000Z', 4],
    ['Asia/Kolkata', '2024-01-01', '2024-01-01T18:29:59.999Z', 1],
    ['Asia/Kolkata', '2024-01-01', '2024-01-01T18:30:00.000Z', 2],
    ['Pacific/Kiritimati', '2024-01-01', '2024-01-01T10:30:00.000Z', 2],
    ['Pacific/Pago_Pago', '2024-01-01', '2024-01-01T10:30:00.000Z', 0], // still Dec 31 there
    ['Pacific/Apia', '2011-12-29', '2011-12-30T09:59:59.999Z', 1],
    ['Pacific/Apia', '2011-12-29', '2011-12-30T10:00:00.000Z', 3], // the 30th was skipped
  ])('in %s, a cycle from %s at %s is on day %d', (tz, start, instant, day) => {
    expect(cycleDay(start, new Date(instant), tz)).toBe(day);
  });
});

describe('cycleDayShown', () => {
  it('is always 1–7: Day 1 until the first local date begins after a move west, Day 7 until the rollover', () => {
    // Registered at 08:00 in Tokyo on 2026-03-06 (Day 1), then moved to Honolulu, where it is 13:00 on 03-05.
    const now = new Date('2026-03-05T23:00:00Z');
    expect(cycleDay('2026-03-06', now, 'Pacific/Honolulu')).toBe(0);
    expect(cycleDayShown('2026-03-06', now, 'Pacific/Honolulu')).toBe(1);
    expect(cycleDayShown('2026-03-06', new Date('2026-03-06T10:00:00Z'), 'Pacific/Honolulu')).toBe(1); // 00:00 on 03-06 there
    expect(cycleDayShown('2026-03-06', new Date('2026-03-07T10:00:00Z'), 'Pacific/Honolulu')).toBe(2);
    expect(cycleDayShown('2026-03-06', new Date('2026-03-20T10:00:00Z'), 'Pacific/Honolulu')).toBe(7);
  });

  it('equals cycleDay inside the cycle, for any zone and instant', () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.integer({ min: -3, max: 10 }), ({ tz, now }, back) => {
        const start = dateOfEpochDay(epochDay(intlDate(now, tz)) - back);
        const day = cycleDay(start, now, tz);
        const shown = cycleDayShown(start, now, tz);
        expect(shown).toBeGreaterThanOrEqual(1);
        expect(shown).toBeLessThanOrEqual(7);
        if (day >= 1 && day <= 7) expect(shown).toBe(day);
      }),
      { numRuns: 200 },
    );
  });
});

describe('phaseOf', () => {
  it('maps the seven days, and out-of-range days to the nearest end', () => {
    const phases = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 30].map(phaseOf);
    expect(phases).toEqual([
      'total_silence',
      'total_silence',
      'total_silence',
      'total_silence',
      'intervention_logic',
      'intervention_logic',
      'intervention_logic',
      'preparation',
      'reflection',
      'reflection',
      'reflection',
    ]);
    expect(() => phaseOf(3.5)).toThrow(RangeError);
    expect(() => phaseOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('cycle instants', () => {
  it('starts at the first local instant of Day 1 and ends at the start of Day 8', () => {
    expect(cycleStart('2024-01-08', 'America/New_York').toISOString()).toBe('2024-01-08T05:00:00.000Z');
    expect(cycleEnd('2024-01-08', 'America/New_York').toISOString()).toBe('2024-01-15T05:00:00.000Z');
    // A cycle spanning spring-forward is one hour shorter in absolute time, still seven local days.
    expect(cycleEnd('2024-03-08', 'America/New_York').getTime() - cycleStart('2024-03-08', 'America/New_York').getTime()).toBe(7 * DAY_MS - 3_600_000);
  });

  it('opens the reflection on Day 7 at 09:00 local and closes it when Day 7 ends', () => {
    const w = reflectionWindow('2024-01-08', 'Europe/London', defaultRules);
    expect(w.opensAt.toISOString()).toBe('2024-01-14T09:00:00.000Z');
    expect(w.closesAt.toISOString()).toBe('2024-01-15T00:00:00.000Z');
    const summer = reflectionWindow('2024-06-03', 'Europe/London', { reflectionHour: 9 });
    expect(summer.opensAt.toISOString()).toBe('2024-06-09T08:00:00.000Z');
  });

  it('has an empty reflection window when Day 7 is a date the zone skipped', () => {
    const w = reflectionWindow('2011-12-24', 'Pacific/Apia', defaultRules); // Day 7 = 2011-12-30
    expect(w.opensAt.getTime()).toBeGreaterThan(w.closesAt.getTime());
  });
});

describe('next cycle', () => {
  it('after a reflection starts on the local date after the answer', () => {
    // 23:30 on Day 7 in Kolkata is already the next UTC date's evening: the local date decides.
    expect(nextCycleAfterReflection(new Date('2024-01-14T18:00:00Z'), 'Asia/Kolkata')).toBe('2024-01-15');
    expect(nextCycleAfterReflection(new Date('2024-01-14T18:00:00Z'), 'America/New_York')).toBe('2024-01-15');
    expect(nextCycleAfterReflection(new Date('2024-01-14T18:30:00Z'), 'Asia/Kolkata')).toBe('2024-01-16');
  });

  it('after expiry starts on Day 8', () => {
    expect(nextCycleAfterExpiry('2024-12-28')).toBe('2025-01-04');
  });
});

describe('setCycleDay', () => {
  it('makes now fall on the requested day, in any zone', () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.integer({ min: 1, max: 7 }), ({ tz, now }, day) => {
        expect(cycleDay(setCycleDay(now, tz, day), now, tz)).toBe(day);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses days outside 1–7 as an invalid argument', () => {
    for (const day of [0, 8, 2.5]) {
      expect(() => setCycleDay(new Date('2024-01-01T00:00:00Z'), 'UTC', day)).toThrow(InvalidArgumentError);
    }
  });
});
