import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { eventually } from './eventually.ts';

/** A route limited like the gateway's /state/check: `max` calls per fixed 60 s window, then 429 until it ends. */
function limitedRoute(max: number, readyAt: number) {
  let windowStart = Date.now();
  let count = 0;
  const calls = { total: 0, refused: 0 };
  const call = async () => {
    calls.total += 1;
    if (Date.now() - windowStart >= 60_000) [windowStart, count] = [Date.now(), 0];
    count += 1;
    if (count > max) {
      calls.refused += 1;
      throw new Error('429 rate_limited');
    }
    return { should_display: Date.now() >= readyAt };
  };
  return { call, calls };
}

describe('eventually', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('tries a probe that throws again, and returns once it answers and the condition holds', async () => {
    let calls = 0;
    const probe = async () => {
      calls += 1;
      if (calls < 3) throw new Error('not ready');
      return calls;
    };
    const waiting = eventually(probe, (n) => n >= 4);
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(waiting).resolves.toBe(4);
  });

  it('fails after the deadline with the last error when the last attempt threw', async () => {
    const waiting = eventually(
      async () => {
        throw new Error('503 dependency_unavailable');
      },
      () => true,
      { timeoutMs: 500 },
    );
    const failed = expect(waiting).rejects.toThrow('condition not met within 500 ms; the last probe failed: 503 dependency_unavailable');
    await jest.advanceTimersByTimeAsync(1_000);
    await failed;
  });

  it('fails after the deadline with the last value when the condition never held', async () => {
    const waiting = eventually(() => ({ n: 1 }), (v) => v.n === 2, 200);
    const failed = expect(waiting).rejects.toThrow('condition not met within 200 ms; last value: {"n":1}');
    await jest.advanceTimersByTimeAsync(1_000);
    await failed;
  });

  it('polls a route limited to 120 a minute at its pace: an answer 5 s away never meets a 429', async () => {
    const route = limitedRoute(120, Date.now() + 5_000);
    const waiting = eventually(route.call, (c) => c.should_display, { intervalMs: 60_000 / 120 });
    await jest.advanceTimersByTimeAsync(6_000);
    await expect(waiting).resolves.toEqual({ should_display: true });
    expect(route.calls).toEqual({ total: 11, refused: 0 });
  });

  it('at its default pace (25 ms) the same poll uses the budget up in 3 s, and is still refused when the answer comes', async () => {
    const route = limitedRoute(120, Date.now() + 5_000);
    const waiting = eventually(route.call, (c) => c.should_display, { timeoutMs: 20_000 });
    const failed = expect(waiting).rejects.toThrow('the last probe failed: 429 rate_limited');
    await jest.advanceTimersByTimeAsync(21_000);
    await failed;
    expect(route.calls.refused).toBeGreaterThan(0);
  });
});
