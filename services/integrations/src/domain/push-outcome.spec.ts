import { describe, expect, it } from '@jest/globals';
import { nextStep } from './push-outcome.ts';

const now = new Date('2026-06-10T12:00:00Z');
const later = new Date('2026-06-10T13:00:00Z');
const policy = { maxAttempts: 5, baseMs: 1_000, capMs: 60_000, random: () => 1 };

describe('what a send outcome makes of a push', () => {
  it('sent, device gone, failed for good', () => {
    expect(nextStep({ kind: 'sent' }, 1, now, later, policy)).toEqual({ status: 'sent' });
    expect(nextStep({ kind: 'device_gone', reason: 'apns 410 Unregistered' }, 1, now, later, policy)).toEqual({ status: 'device_gone', error: 'apns 410 Unregistered' });
    expect(nextStep({ kind: 'failed', reason: 'apns 413 PayloadTooLarge' }, 1, now, later, policy)).toEqual({ status: 'dead', error: 'apns 413 PayloadTooLarge' });
  });

  it('retries with exponential backoff, capped, and honours Retry-After exactly', () => {
    const dueIn = (attempts: number, retryAfterMs?: number) => {
      const step = nextStep({ kind: 'retry', reason: 'x', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, attempts, now, later, policy);
      return step.status === 'pending' ? step.dueAt.getTime() - now.getTime() : step.status;
    };
    expect([1, 2, 3, 4].map((a) => dueIn(a))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(dueIn(4, 90_000)).toBe(90_000);
    expect(nextStep({ kind: 'retry', reason: 'x' }, 4, now, later, { ...policy, maxAttempts: 10, capMs: 3_000 })).toMatchObject({ dueAt: new Date(now.getTime() + 3_000) });
  });

  it('is dead after the last attempt, and expired when the next try would come too late', () => {
    expect(nextStep({ kind: 'retry', reason: 'apns 500' }, 5, now, later, policy)).toEqual({ status: 'dead', error: 'apns 500' });
    expect(nextStep({ kind: 'retry', reason: 'fcm 429', retryAfterMs: 3_600_000 }, 1, now, later, policy)).toEqual({ status: 'expired', error: 'fcm 429' });
  });
});
