import { describe, expect, it } from '@jest/globals';
import { canonicalTimeZone } from './time-zones.ts';

describe('canonicalTimeZone', () => {
  it.each([
    ['America/New_York', 'America/New_York'],
    ['europe/london', 'Europe/London'],
    ['utc', 'UTC'],
    ['Etc/GMT+5', 'Etc/GMT+5'], // an IANA name (with IANA's inverted sign), not an offset string
    ['Australia/Lord_Howe', 'Australia/Lord_Howe'],
    // DST falls back (or springs forward) at midnight in these.
    ['America/Santiago', 'America/Santiago'],
    ['asia/beirut', 'Asia/Beirut'],
    ['America/Havana', 'America/Havana'],
  ])('accepts %j as %j', (input, canonical) => {
    expect(canonicalTimeZone(input)).toBe(canonical);
  });

  // Intl and Temporal accept the offsets; days counted in them would drift from the wall clock at every DST change.
  it.each(['+05', '-03', '+0530', '+05:30', '-11:00', '\u221205:00', 'Mars/Olympus_Mons', 'GMT+5', '', ' Europe/London', 'Europe/London ', 'Z', 'x'.repeat(65)])(
    'refuses %j',
    (input) => {
      expect(canonicalTimeZone(input)).toBeUndefined();
    },
  );

  it('accepts every zone the runtime lists, and its answer is a fixed point', () => {
    for (const tz of Intl.supportedValuesOf('timeZone')) {
      const canonical = canonicalTimeZone(tz);
      expect({ tz, canonical }).toEqual({ tz, canonical: expect.any(String) });
      expect(canonicalTimeZone(canonical!)).toBe(canonical);
      expect(canonicalTimeZone(tz.toLowerCase())).toBe(canonical);
    }
  });
});
