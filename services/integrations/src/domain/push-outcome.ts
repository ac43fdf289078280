import { backoffMs } from './rate-limit.ts';

/**
 * What became of one send, as the senders report it, and what the delivery row becomes next. The rules: a 2xx
 * is sent; a token the push service disowns (APNs 410 / 400 BadDeviceToken, FCM UNREGISTERED or an invalid
 * token) removes the device; a rate limit, a 5xx, a timeout or a network failure is tried again later — after
 * Retry-After when the service names one, else with exponential backoff — up to the attempt limit, then the
 * row is dead (kept, with its last error, as the dead letter); anything else (a refused payload, bad
 * credentials) is dead at once: trying again cannot help. Nothing is retried past its expiry.
 */
export type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'device_gone'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'failed'; reason: string };

export type NextStep =
  | { status: 'sent' }
  | { status: 'device_gone'; error: string }
  | { status: 'pending'; dueAt: Date; error: string }
  | { status: 'dead'; error: string }
  | { status: 'expired'; error: string };

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** `attempts` counts this one. */
export function nextStep(outcome: SendOutcome, attempts: number, now: Date, expiresAt: Date, policy: RetryPolicy): NextStep {
  switch (outcome.kind) {
    case 'sent':
      return { status: 'sent' };
    case 'device_gone':
      return { status: 'device_gone', error: outcome.reason };
    case 'failed':
      return { status: 'dead', error: outcome.reason };
    case 'retry': {
      if (attempts >= policy.maxAttempts) return { status: 'dead', error: outcome.reason };
      const waitMs = outcome.retryAfterMs ?? backoffMs(attempts, { baseMs: policy.baseMs, capMs: policy.capMs, ...(policy.random ? { random: policy.random } : {}) });
      const dueAt = new Date(now.getTime() + waitMs);
      if (dueAt.getTime() >= expiresAt.getTime()) return { status: 'expired', error: outcome.reason };
      return { status: 'pending', dueAt, error: outcome.reason };
    }
  }
}
