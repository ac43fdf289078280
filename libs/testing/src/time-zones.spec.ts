import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { zoneWhereLocalHourIn } from './time-zones.ts';

const hourIn = (zone: string, at: Date) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(at));

describe('zoneWhereLocalHourIn', () => {
  it('finds a zone at a local hour in the window, at any instant and for any one-hour window', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 23 }), (at, from) => {
        const zone = zoneWhereLocalHourIn(at, from, from + 1);
        expect(hourIn(zone, at)).toBe(from);
      }),
    );
  });

  it('finds a named zone (what a browser lists) for any window of two hours', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 22 }), (at, from) => {
        expect(zoneWhereLocalHourIn(at, from, from + 2)).not.toMatch(/^Etc\//);
      }),
    );
  });

  it('keeps the preferred zone when it qualifies', () => {
    const at = new Date('2026-11-30T12:30:00Z');
    expect(zoneWhereLocalHourIn(at, 10, 18, 'Europe/London')).toBe('Europe/London');
    expect(zoneWhereLocalHourIn(at, 1, 8, 'Europe/London')).not.toBe('Europe/London');
  });

  it('refuses an empty window instead of guessing', () => {
    expect(() => zoneWhereLocalHourIn(new Date(), 5, 5)).toThrow(/no zone/);
  });
});
