import { describe, expect, it } from '@jest/globals';
import { backoffMs, parseRetryAfter, RateLimitedError, TransientProviderError, withRetries } from './rate-limit.ts';

const now = new Date('2026-06-10T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 10 Jun 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 10 Jun 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within full jitter, up to the cap', () => {
    expect(backoffMs(1, { baseMs: 1000, capMs: 30_000, random: () => 1 })).toBe(1000);
    expect(backoffMs(3, { baseMs: 1000, capMs: 30_000, random: () => 1 })).toBe(4000);
    expect(backoffMs(3, { baseMs: 1000, capMs: 30_000, random: () => 0 })).toBe(2000);
    expect(backoffMs(20, { baseMs: 1000, capMs: 30_000, random: () => 1 })).toBe(30_000);
  });
});

describe('withRetries', () => {
  const run = async (errors: Error[], maxWaitMs = 30_000) => {
    const slept: number[] = [];
    let calls = 0;
    const result = withRetries(
      async () => {
        const error = errors[calls++];
        if (error) throw error;
        return 'done';
      },
      { maxAttempts: 4, maxWaitMs, baseMs: 1000, sleep: async (ms) => void slept.push(ms), random: () => 1 },
    );
    return { result, slept, calls: () => calls };
  };

  it('waits exactly the Retry-After, then backs off when none is given', async () => {
    const r = await run([new RateLimitedError('429', 2000), new RateLimitedError('429', undefined), new TransientProviderError('503')]);
    await expect(r.result).resolves.toBe('done');
    expect(r.slept).toEqual([2000, 2000, 4000]);
  });

  it('gives up after the last attempt with the provider error', async () => {
    const r = await run([1, 2, 3, 4].map(() => new TransientProviderError('503')));
    await expect(r.result).rejects.toBeInstanceOf(TransientProviderError);
    expect(r.calls()).toBe(4);
  });

  it('hands a long Retry-After back at once instead of blocking', async () => {
    const r = await run([new RateLimitedError('429', 120_000)]);
    await expect(r.result).rejects.toMatchObject({ retryAfterMs: 120_000 });
    expect(r.slept).toEqual([]);
  });

  it('does not retry other errors', async () => {
    const r = await run([new Error('400')]);
    await expect(r.result).rejects.toThrow('400');
    expect(r.calls()).toBe(1);
  });
});
