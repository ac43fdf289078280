import { describe, expect, it } from '@jest/globals';
import { RateLimiter, retryAfterSeconds } from './rate-limiter.ts';

describe('RateLimiter', () => {
  const at = (start = 0) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('allows max calls per key in a window, then refuses with the time left in it', () => {
    const clock = at();
    const limiter = new RateLimiter({ max: 3, windowMs: 60_000, trackedKeys: 10, now: clock.now });
    expect([1, 2, 3].map(() => limiter.take('alice').allowed)).toEqual([true, true, true]);
    clock.advance(15_000);
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterMs: 45_000 });
    expect(limiter.take('bob').allowed).toBe(true);
    clock.advance(45_000);
    expect(limiter.take('alice').allowed).toBe(true);
  });

  it('keeps at most trackedKeys keys, dropping the least recently seen', () => {
    const limiter = new RateLimiter({ max: 1, windowMs: 60_000, trackedKeys: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('a'); // refused, and now the most recently seen
    limiter.take('c'); // drops b
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('says at least one second', () => {
    expect(retryAfterSeconds({ retryAfterMs: 1 })).toBe(1);
    expect(retryAfterSeconds({ retryAfterMs: 59_001 })).toBe(60);
  });
});
