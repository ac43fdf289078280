import { describe, expect, it } from '@jest/globals';
import { addDays, localDate, zonedTime } from './zoned-time.ts';

describe('zoned time', () => {
  it('places a local wall-clock time in its zone, on either side of DST', () => {
    expect(zonedTime('2026-03-06', 11, 0, 'America/New_York').toISOString()).toBe('2026-03-06T16:00:00.000Z');
    expect(zonedTime('2026-03-09', 11, 0, 'America/New_York').toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(zonedTime('2026-06-10', 9, 30, 'Asia/Kolkata').toISOString()).toBe('2026-06-10T04:00:00.000Z');
    expect(zonedTime('2026-06-10', 0, 0, 'UTC').toISOString()).toBe('2026-06-10T00:00:00.000Z');
  });

  it('resolves a skipped time to after the gap and a repeated time to its first occurrence', () => {
    expect(zonedTime('2026-03-08', 2, 30, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedTime('2026-11-01', 1, 30, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('reads local dates and adds days across month ends', () => {
    expect(localDate(new Date('2026-06-10T23:30:00Z'), 'Europe/Berlin')).toBe('2026-06-11');
    expect(localDate(new Date('2026-06-10T03:30:00Z'), 'America/Los_Angeles')).toBe('2026-06-09');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
