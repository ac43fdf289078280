import { describe, expect, it } from '@jest/globals';
import { RateLimitedError, TransientProviderError } from '../../domain/rate-limit.ts';
import { GoogleGrantError, googleErrorOf, SyncTokenGoneError } from './google-api.ts';

const now = new Date('2026-06-10T12:00:00Z');

/** An error shaped as gaxios throws it: the status and the parsed body on `response`. */
function answered(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`Request failed with status code ${status}`), { status, response: { status, data, headers: new Headers(headers) } });
}
const forbidden = (reason: string, message = 'Refused') => answered(403, { error: { code: 403, message, errors: [{ domain: 'usageLimits', reason, message }] } });

describe('googleErrorOf', () => {
  it.each(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded'])('takes a 403 %s without Retry-After as a rate limit to back off from', (reason) => {
    const error = googleErrorOf(forbidden(reason), now);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('takes any other 403 as a refusal, not a rate limit, whatever its message says', () => {
    for (const error of [forbidden('forbidden', 'Rate limits do not apply here'), forbidden('insufficientPermissions'), answered(403, {})]) {
      const mapped = googleErrorOf(error, now);
      expect(mapped).not.toBeInstanceOf(RateLimitedError);
      expect(mapped).not.toBeInstanceOf(TransientProviderError);
      expect(mapped).not.toBeInstanceOf(GoogleGrantError);
      expect(mapped.message).toMatch(/^Google Calendar call answered 403/);
    }
  });

  it('reads Retry-After of a 429, and knows 410, invalid_grant, 401 and 5xx', () => {
    const limited = googleErrorOf(answered(429, { error: { code: 429, errors: [{ reason: 'rateLimitExceeded' }] } }, { 'retry-after': '90' }), now);
    expect((limited as RateLimitedError).retryAfterMs).toBe(90_000);
    expect(googleErrorOf(answered(410, { error: { code: 410, errors: [{ reason: 'fullSyncRequired' }] } }), now)).toBeInstanceOf(SyncTokenGoneError);
    expect(googleErrorOf(answered(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }), now)).toBeInstanceOf(GoogleGrantError);
    expect(googleErrorOf(answered(401, { error: { code: 401, errors: [{ reason: 'authError' }] } }), now)).toBeInstanceOf(GoogleGrantError);
    expect(googleErrorOf(answered(503, {}), now)).toBeInstanceOf(TransientProviderError);
  });
});
