import { describe, expect, it } from '@jest/globals';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { RateLimitedError, TransientProviderError } from '../../domain/rate-limit.ts';
import { DeltaGoneError, graphFailure, GraphUnauthorizedError, SubscriptionNotFoundError } from './graph-api.ts';
import { minimiseCache } from './microsoft-auth.ts';

const now = new Date('2026-06-10T12:00:00Z');
const graphError = (status: number, headers: Record<string, string> = {}) => {
  const error = new GraphError(status, 'from Graph');
  error.code = 'SomeCode';
  error.headers = new Headers(headers);
  return error;
};

describe('Graph answers in our terms', () => {
  it('429 and 503 carry Retry-After (seconds or a date); 503 without one is transient', () => {
    const limited = graphFailure(graphError(429, { 'retry-after': '7' }), 'delta', now);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(7_000);
    const dated = graphFailure(graphError(503, { 'retry-after': 'Wed, 10 Jun 2026 12:00:30 GMT' }), 'delta', now);
    expect((dated as RateLimitedError).retryAfterMs).toBe(30_000);
    expect(graphFailure(graphError(429), 'delta', now)).toMatchObject({ retryAfterMs: undefined });
    expect(graphFailure(graphError(503), 'delta', now)).toBeInstanceOf(TransientProviderError);
    expect(graphFailure(graphError(500), 'delta', now)).toBeInstanceOf(TransientProviderError);
    expect(graphFailure(graphError(-1), 'delta', now)).toBeInstanceOf(TransientProviderError);
  });

  it('401 asks for a refresh, 410 for a new calendar view, 404 of a subscription forgets it; other errors stay errors', () => {
    expect(graphFailure(graphError(401), 'delta', now)).toBeInstanceOf(GraphUnauthorizedError);
    expect(graphFailure(graphError(410), 'delta', now)).toBeInstanceOf(DeltaGoneError);
    expect(graphFailure(graphError(404), 'renew subscription', now)).toBeInstanceOf(SubscriptionNotFoundError);
    const bad = graphFailure(graphError(400), 'delta', now);
    expect(bad.constructor).toBe(Error);
    expect(bad.message).toBe('Graph delta: 400 SomeCode');
  });
});

describe('the kept msal cache', () => {
  it('keeps accounts and refresh tokens, drops id and access tokens and every name and username', () => {
    const profile = JSON.stringify({ tenantId: 't', localAccountId: 'l', name: 'Ada Lovelace', username: 'ada@example.test', isHomeTenant: true });
    const cache = JSON.stringify({
      Account: { a: { home_account_id: 'h', environment: 'login.microsoftonline.com', name: 'Ada Lovelace', username: 'ada@example.test', tenantProfiles: [profile] } },
      IdToken: { i: { secret: 'id-token' } },
      AccessToken: { x: { secret: 'access-token' } },
      RefreshToken: { r: { secret: 'refresh-token' } },
      AppMetadata: {},
    });
    const kept = minimiseCache(cache);
    expect(kept).toContain('refresh-token');
    expect(kept).toContain('"home_account_id":"h"');
    for (const gone of ['id-token', 'access-token', 'Ada Lovelace', 'ada@example.test']) expect(kept).not.toContain(gone);
    expect(JSON.parse(JSON.parse(kept).Account.a.tenantProfiles[0])).toMatchObject({ tenantId: 't', localAccountId: 'l', isHomeTenant: true });
  });
});
