import { describe, expect, it } from '@jest/globals';
import { retentionCutoff } from './retention.ts';

describe('retentionCutoff', () => {
  it('is the given number of 24-hour days before now', () => {
    expect(retentionCutoff(new Date('2025-03-31T12:00:00.000Z'), 30).toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(retentionCutoff(new Date('2025-03-31T12:00:00.000Z'), 1).toISOString()).toBe('2025-03-30T12:00:00.000Z');
  });

  it('refuses a retention that would purge everything or nothing sensible', () => {
    expect(() => retentionCutoff(new Date(), 0)).toThrow(RangeError);
    expect(() => retentionCutoff(new Date(), 1.5)).toThrow(RangeError);
  });
});
