import { describe, expect, it } from '@jest/globals';
import { readWhoopRateLimit, whoopPauseMs } from './whoop-rate-limit.ts';

const headers = (values: Record<string, string>) => new Headers(values);

describe('readWhoopRateLimit', () => {
  it('reads the remaining requests and the reset of the closest window, as WHOOP documents them', () => {
    const limit = readWhoopRateLimit(headers({ 'X-RateLimit-Limit': '100, 100;window=60, 10000;window=86400', 'X-RateLimit-Remaining': '98', 'X-RateLimit-Reset': '3' }));
    expect(limit).toEqual({ remaining: 98, resetMs: 3000 });
  });
  it('knows nothing from absent or unreadable headers', () => {
    expect(readWhoopRateLimit(headers({}))).toBeUndefined();
    expect(readWhoopRateLimit(headers({ 'X-RateLimit-Remaining': '0' }))).toBeUndefined();
    expect(readWhoopRateLimit(headers({ 'X-RateLimit-Remaining': '-1', 'X-RateLimit-Reset': '3' }))).toBeUndefined();
    expect(readWhoopRateLimit(headers({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': 'soon' }))).toBeUndefined();
  });
});

describe('whoopPauseMs', () => {
  it('holds the next request until the reset once the window is spent or the answer was a 429', () => {
    expect(whoopPauseMs({ remaining: 0, resetMs: 41_000 }, false)).toBe(41_000);
    expect(whoopPauseMs({ remaining: 3, resetMs: 41_000 }, true)).toBe(41_000);
    expect(whoopPauseMs({ remaining: 3, resetMs: 41_000 }, false)).toBeUndefined();
    expect(whoopPauseMs(undefined, true)).toBeUndefined();
  });
});
