import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { latestReading, type Reading } from './latest-reading.ts';
import { defaultRules } from './rules.ts';

const now = new Date('2026-03-06T20:30:00Z');
const reading = (metric: Reading['metric'], secondsFromNow: number, valueMs = 40): Reading => ({
  metric,
  valueMs,
  measuredAt: new Date(now.getTime() + secondsFromNow * 1000),
});

describe('latestReading', () => {
  it('is the most recent reading of either metric', () => {
    expect(latestReading([reading('sdnn', -600), reading('rmssd', -60)], now, defaultRules)?.metric).toBe('rmssd');
    expect(latestReading([], now, defaultRules)).toBeUndefined();
  });

  it('ignores a reading stamped further ahead than the tolerance, so it cannot hide the fresh one of the other metric', () => {
    const fresh = reading('sdnn', -300);
    expect(latestReading([reading('rmssd', 61), fresh], now, defaultRules)).toBe(fresh);
    expect(latestReading([reading('rmssd', 60), fresh], now, defaultRules)?.metric).toBe('rmssd');
    expect(latestReading([reading('rmssd', 1), fresh], now, { clockSkewToleranceSeconds: 0 })).toBe(fresh);
  });

  it('gives the same answer whatever the order of equal times (SDNN first)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3_600, max: 60 }), fc.boolean(), (seconds, sdnnFirst) => {
        const both = [reading('sdnn', seconds, 30), reading('rmssd', seconds, 60)];
        expect(latestReading(sdnnFirst ? both : both.toReversed(), now, defaultRules)?.metric).toBe('sdnn');
      }),
    );
  });
});
