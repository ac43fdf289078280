import { isTransientFailure } from '@omtobe/platform';
import { PermanentEventError } from './handlers.ts';

export interface RetryPolicy {
  /** Tries of an event whose handler fails before it is parked in the dead-letter topic. */
  maxAttempts: number;
  /** First wait between tries; doubled after each. */
  retryBaseMs: number;
  /** Longest wait between tries while the database is unreachable. */
  maxRetryDelayMs: number;
}

/** What to do after one failed try of an event. */
export type NextStep =
  | { action: 'wait_for_database'; tries: number; waitMs: number }
  | { action: 'retry'; attempt: number; waitMs: number }
  | { action: 'park' };

/**
 * The decisions for one event, failure after failure. A database that is unreachable is no fault of the event:
 * those tries are not counted against `maxAttempts` (parking the event would lose it for the service), and it
 * waits for the database with a capped backoff. A handler that keeps failing, or says the event is permanently
 * wrong, has the event parked.
 */
export function retrySteps(policy: RetryPolicy): (err: unknown) => NextStep {
  let attempt = 0;
  let unavailable = 0;
  return (err) => {
    if (isTransientFailure(err) && !(err instanceof PermanentEventError)) {
      unavailable += 1;
      return { action: 'wait_for_database', tries: unavailable, waitMs: Math.min(policy.maxRetryDelayMs, policy.retryBaseMs * 2 ** Math.min(unavailable - 1, 16)) };
    }
    attempt += 1;
    if (attempt >= policy.maxAttempts || err instanceof PermanentEventError) return { action: 'park' };
    return { action: 'retry', attempt, waitMs: policy.retryBaseMs * 2 ** (attempt - 1) };
  };
}
