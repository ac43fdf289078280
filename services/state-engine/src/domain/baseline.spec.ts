import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { aggregateOf, baselineFrom, baselineOfSamples, baselineWindow } from './baseline.ts';
import type { TimedValue } from './baseline.ts';
import { defaultRules } from './rules.ts';

const judgedAt = new Date('2024-01-09T15:30:00Z');
const HOUR = 3_600_000;
const before = (ms: number, valueMs: number): TimedValue => ({ valueMs, measuredAt: new Date(judgedAt.getTime() - ms) });

describe('baselineWindow', () => {
  it('is the seven days before the judged sample, half-open', () => {
    expect(baselineWindow(judgedAt, defaultRules)).toEqual({ from: new Date('2024-01-02T15:30:00Z'), to: judgedAt });
  });
});

describe('baselineOfSamples', () => {
  it('computes mean and population standard deviation of the samples in the window', () => {
    const samples = [before(30 * HOUR, 40), before(50 * HOUR, 50), before(70 * HOUR, 60)];
    const b = baselineOfSamples(samples, judgedAt, 'UTC', defaultRules);
    expect(b?.meanMs).toBe(50);
    expect(b?.stdDevMs).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(b?.sampleCount).toBe(3);
  });

  it('ignores the judged sample itself, anything later, and anything before the window', () => {
    const inside = [before(30 * HOUR, 40), before(50 * HOUR, 50), before(7 * 24 * HOUR, 60)]; // the last one is exactly the window's start
    const outside = [
      { valueMs: 1, measuredAt: judgedAt }, // the judged sample
      before(-1, 1000), // later
      before(7 * 24 * HOUR + 1, 1000), // one millisecond too old
    ];
    expect(baselineOfSamples([...outside, ...inside], judgedAt, 'UTC', defaultRules)).toEqual(baselineOfSamples(inside, judgedAt, 'UTC', defaultRules));
    expect(baselineOfSamples([...outside, ...inside], judgedAt, 'UTC', defaultRules)?.sampleCount).toBe(3);
  });

  it('needs 3 samples on 2 local days by default, not fewer', () => {
    // judgedAt is 15:30Z on Jan 9: 1–3 h before is still Jan 9, 20 h before is Jan 8.
    const twoDays = [before(1 * HOUR, 40), before(2 * HOUR, 50), before(20 * HOUR, 60)];
    expect(baselineOfSamples(twoDays, judgedAt, 'UTC', defaultRules)?.sampleCount).toBe(3);
    expect(baselineOfSamples(twoDays.slice(0, 2).concat(before(3 * HOUR, 60)), judgedAt, 'UTC', defaultRules)).toBeUndefined(); // 3 samples, 1 day
    expect(baselineOfSamples([before(1 * HOUR, 40), before(20 * HOUR, 60)], judgedAt, 'UTC', defaultRules)).toBeUndefined(); // 2 samples, 2 days
    expect(baselineOfSamples([], judgedAt, 'UTC', defaultRules)).toBeUndefined();
  });

  it('counts days in the user’s zone, not in UTC', () => {
    // 18:00Z and 19:00Z on Jan 8 are one UTC day but 23:30 and 00:30 in Kolkata: two local days.
    const samples = [
      { valueMs: 40, measuredAt: new Date('2024-01-08T18:00:00Z') },
      { valueMs: 50, measuredAt: new Date('2024-01-08T18:10:00Z') },
      { valueMs: 60, measuredAt: new Date('2024-01-08T19:00:00Z') },
    ];
    expect(baselineOfSamples(samples, judgedAt, 'UTC', defaultRules)).toBeUndefined();
    expect(baselineOfSamples(samples, judgedAt, 'Asia/Kolkata', defaultRules)?.meanMs).toBe(50);
  });

  it('follows configured minimums and window', () => {
    const samples = [before(1 * HOUR, 40), before(2 * HOUR, 50), before(20 * HOUR, 60)];
    expect(baselineOfSamples(samples, judgedAt, 'UTC', { ...defaultRules, baselineMinSamples: 4 })).toBeUndefined();
    expect(baselineOfSamples(samples, judgedAt, 'UTC', { ...defaultRules, baselineMinDays: 3 })).toBeUndefined();
    expect(baselineOfSamples(samples, judgedAt, 'UTC', { ...defaultRules, baselineWindowDays: 1, baselineMinDays: 1, baselineMinSamples: 2 })?.sampleCount).toBe(3);
  });
});

describe('aggregateOf', () => {
  it('sums the window’s samples and counts their local dates in the user’s zone', () => {
    const samples = [
      { valueMs: 40, measuredAt: new Date('2024-01-08T18:00:00Z') }, // 23:30 in Kolkata
      { valueMs: 60, measuredAt: new Date('2024-01-08T19:00:00Z') }, // 00:30 the next day
      { valueMs: 99, measuredAt: judgedAt }, // the judged sample
    ];
    expect(aggregateOf(samples, judgedAt, 'Asia/Kolkata', defaultRules)).toEqual({ count: 2, sum: 100, sumOfSquares: 5200, distinctDays: 2 });
    expect(aggregateOf(samples, judgedAt, 'UTC', defaultRules).distinctDays).toBe(1);
  });
});

describe('baselineFrom (the aggregate path the store uses)', () => {
  it('applies the minimums at their boundary', () => {
    const b = baselineFrom({ count: 3, sum: 150, sumOfSquares: 7700, distinctDays: 2 }, defaultRules);
    expect(b).toMatchObject({ meanMs: 50, sampleCount: 3 });
    expect(b?.stdDevMs).toBeCloseTo(Math.sqrt(200 / 3), 9);
    expect(baselineFrom({ count: 2, sum: 100, sumOfSquares: 5200, distinctDays: 2 }, defaultRules)).toBeUndefined();
    expect(baselineFrom({ count: 3, sum: 150, sumOfSquares: 7700, distinctDays: 1 }, defaultRules)).toBeUndefined();
    expect(baselineFrom({ count: 0, sum: 0, sumOfSquares: 0, distinctDays: 0 }, { ...defaultRules, baselineMinSamples: 0, baselineMinDays: 0 })).toBeUndefined();
  });

  it('never reports a NaN deviation when rounding makes the variance a hair negative', () => {
    const v = 0.1 + 0.2;
    const b = baselineFrom({ count: 3, sum: 3 * v, sumOfSquares: 3 * v * v * (1 - 1e-16), distinctDays: 2 }, defaultRules);
    expect(b?.stdDevMs).toBe(0);
  });

  it('equals the reference computed from the samples, for any samples, judged instant and zone', () => {
    const WEEK = 7 * 24 * HOUR;
    const sample = fc.record({
      valueMs: fc.double({ min: 5, max: 250, noNaN: true }),
      measuredAt: fc.integer({ min: -WEEK - 2 * 24 * HOUR, max: 2 * HOUR }).map((back) => new Date(judgedAt.getTime() - back)),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Kiritimati'), (samples, tz) => {
        const reference = baselineOfSamples(samples, judgedAt, tz, defaultRules);
        const viaAggregate = baselineFrom(aggregateOf(samples, judgedAt, tz, defaultRules), defaultRules);
        if (reference === undefined) {
          expect(viaAggregate).toBeUndefined();
          return;
        }
        expect(viaAggregate?.sampleCount).toBe(reference.sampleCount);
        expect(viaAggregate?.meanMs).toBeCloseTo(reference.meanMs, 9);
        // E[x²] − mean² loses digits against the two-pass sum: close to 1e-5 ms is far below sensor precision.
        expect(viaAggregate?.stdDevMs).toBeCloseTo(reference.stdDevMs, 5);
      }),
      { numRuns: 300 },
    );
  });
});
