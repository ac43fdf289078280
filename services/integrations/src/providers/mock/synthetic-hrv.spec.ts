import { describe, expect, it } from '@jest/globals';
import { circadianFactor, personalNormMs, syntheticSdnn } from './synthetic-hrv.ts';

describe('synthetic SDNN', () => {
  const day = Array.from({ length: 24 * 12 }, (_, i) => new Date(Date.UTC(2026, 5, 10) + i * 5 * 60_000));

  it('gives each user a stable norm of 40-70 ms', () => {
    for (const user of ['a', 'b', 'user-123', 'ü']) {
      expect(personalNormMs(user)).toBeGreaterThanOrEqual(40);
      expect(personalNormMs(user)).toBeLessThanOrEqual(70);
      expect(personalNormMs(user)).toBe(personalNormMs(user));
    }
    expect(personalNormMs('a')).not.toBe(personalNormMs('b'));
  });

  it('is higher at night than in the afternoon, on average over a day of readings', () => {
    expect(circadianFactor(3)).toBeCloseTo(1.15, 6);
    expect(circadianFactor(15)).toBeCloseTo(0.85, 6);
    const values = day.map((at) => ({ hour: at.getUTCHours(), v: syntheticSdnn('u', at, at.getUTCHours()) }));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const night = mean(values.filter((x) => x.hour >= 1 && x.hour <= 5).map((x) => x.v));
    const afternoon = mean(values.filter((x) => x.hour >= 13 && x.hour <= 17).map((x) => x.v));
    expect(night / afternoon).toBeGreaterThan(1.2);
  });

  it('is noisy but plausible, and replays identically', () => {
    const values = day.map((at) => syntheticSdnn('u', at, 12));
    expect(new Set(values).size).toBeGreaterThan(100);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...values)).toBeLessThanOrEqual(150);
    expect(day.map((at) => syntheticSdnn('u', at, 12))).toEqual(values);
  });
});
