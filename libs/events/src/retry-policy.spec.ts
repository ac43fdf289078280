import { describe, expect, it } from '@jest/globals';
import { PermanentEventError } from './handlers.ts';
import { retrySteps } from './retry-policy.ts';

const policy = { maxAttempts: 3, retryBaseMs: 100, maxRetryDelayMs: 250 };
const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('retrySteps', () => {
  it('retries a failing handler with doubling waits, then parks the event', () => {
    const next = retrySteps(policy);
    expect(next(new Error('boom'))).toEqual({ action: 'retry', attempt: 1, waitMs: 100 });
    expect(next(new Error('boom'))).toEqual({ action: 'retry', attempt: 2, waitMs: 200 });
    expect(next(new Error('boom'))).toEqual({ action: 'park' });
  });

  it('parks a permanently wrong event at once', () => {
    expect(retrySteps(policy)(new PermanentEventError('bad payload'))).toEqual({ action: 'park' });
  });

  it('waits for an unreachable database without counting the tries, with a capped backoff', () => {
    const next = retrySteps(policy);
    expect(next(unreachable)).toEqual({ action: 'wait_for_database', tries: 1, waitMs: 100 });
    expect(next(unreachable)).toEqual({ action: 'wait_for_database', tries: 2, waitMs: 200 });
    expect(next(unreachable)).toEqual({ action: 'wait_for_database', tries: 3, waitMs: 250 });
    expect(next(new Error('boom'))).toEqual({ action: 'retry', attempt: 1, waitMs: 100 });
  });
});
