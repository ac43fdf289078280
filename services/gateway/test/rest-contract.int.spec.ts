import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually } from '@omtobe/testing';
import { startTestIdentityProvider, type TestIdentityProvider } from './tokens.ts';

interface Case {
  name: string;
  method: string;
  path: string;
  token?: string | ((idp: TestIdentityProvider) => Promise<string>);
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const alice = (idp: TestIdentityProvider) => idp.token('alice');
const json = { 'content-type': 'application/json' };

// Every route, fed what a broken or hostile client sends: a 4xx with the one envelope, never a 500.
const cases: Case[] = [
  { name: 'no token', method: 'POST', path: '/api/v1/state/check', status: 401, code: 'missing_token' },
  { name: 'not a bearer token', method: 'GET', path: '/api/v1/state', token: async () => 'Basic abc', status: 401, code: 'missing_token' },
  { name: 'malformed JWT', method: 'GET', path: '/api/v1/state', token: async () => 'Bearer not.a.jwt', status: 401, code: 'invalid_token' },
  { name: 'expired JWT', method: 'GET', path: '/api/v1/state', token: (idp) => idp.token('alice', { expiresInSeconds: -120 }).then((t) => `Bearer ${t}`), status: 401, code: 'expired_token' },
  { name: 'wrong audience', method: 'GET', path: '/api/v1/state', token: (idp) => idp.token('alice', { audience: 'someone-else' }).then((t) => `Bearer ${t}`), status: 401, code: 'invalid_token' },
  { name: 'wrong issuer', method: 'GET', path: '/api/v1/state', token: (idp) => idp.token('alice', { issuer: 'https://evil.example' }).then((t) => `Bearer ${t}`), status: 401, code: 'invalid_token' },
  { name: 'forged signature', method: 'GET', path: '/api/v1/state', token: (idp) => idp.token('alice', { foreignKey: true }).then((t) => `Bearer ${t}`), status: 401, code: 'invalid_token' },
  { name: 'users: missing field', method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'a@example.com' }, status: 400, code: 'invalid_request' },
  { name: 'users: wrong type', method: 'POST', path: '/api/v1/users', token: alice, body: { email: 42, timezone: 'Europe/London' }, status: 400, code: 'invalid_request' },
  { name: 'users: user_id is never a parameter', method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'a@example.com', timezone: 'Europe/London', user_id: 'bob' }, status: 400, code: 'invalid_request' },
  { name: 'users: bad timezone', method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'a@example.com', timezone: 'Mars/Olympus_Mons' }, status: 422, code: 'invalid_timezone' },
  // Fixed offsets pass Intl but carry no DST rules; the engine could not apply them (libs/rules canonicalTimeZone).
  ...['+05', '-03', '+0530', '+05:30'].map((timezone) => ({
    name: `users: offset ${timezone} as a timezone`,
    method: 'POST' as const,
    path: '/api/v1/users',
    token: alice,
    body: { email: 'a@example.com', timezone },
    status: 422,
    code: 'invalid_timezone',
  })),
  { name: 'users: bad email', method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'not-an-email', timezone: 'Europe/London' }, status: 422, code: 'invalid_email' },
  { name: 'malformed JSON', method: 'POST', path: '/api/v1/users', token: alice, rawBody: '{"email": ', status: 400, code: 'invalid_request' },
  { name: 'huge body', method: 'POST', path: '/api/v1/users', token: alice, rawBody: JSON.stringify({ email: 'a@example.com', timezone: 'x'.repeat(400_000) }), status: 413, code: 'payload_too_large' },
  { name: 'not JSON', method: 'POST', path: '/api/v1/users', token: alice, rawBody: 'email=a', headers: { 'content-type': 'application/xml' }, status: 415, code: 'unsupported_media_type' },
  { name: 'decisions: bad enum', method: 'POST', path: '/api/v1/decisions', token: alice, body: { decision_type: 'Maybe' }, status: 400, code: 'invalid_request' },
  { name: 'decisions: missing body', method: 'POST', path: '/api/v1/decisions', token: alice, body: {}, status: 400, code: 'invalid_request' },
  { name: 'decisions: no pending brake', method: 'POST', path: '/api/v1/decisions', token: alice, body: { decision_type: 'Delay' }, status: 409, code: 'no_pending_brake' },
  { name: 'decisions: idempotency key too long', method: 'POST', path: '/api/v1/decisions', token: alice, body: { decision_type: 'Delay' }, headers: { 'idempotency-key': 'k'.repeat(201) }, status: 400, code: 'invalid_request' },
  { name: 'reflections: bad enum', method: 'POST', path: '/api/v1/reflections', token: alice, body: { response: 'Maybe' }, status: 400, code: 'invalid_request' },
  { name: 'reflections: window not open', method: 'POST', path: '/api/v1/reflections', token: alice, body: { response: 'Yes' }, status: 409, code: 'reflection_not_open' },
  { name: 'history: page size not a number', method: 'GET', path: '/api/v1/decisions/history?page_size=abc', token: alice, status: 400, code: 'invalid_request' },
  { name: 'history: page size 0', method: 'GET', path: '/api/v1/reflections/history?page_size=0', token: alice, status: 400, code: 'invalid_request' },
  { name: 'history: unknown parameter', method: 'GET', path: '/api/v1/decisions/history?user_id=bob', token: alice, status: 400, code: 'invalid_request' },
  { name: 'hrv: empty batch', method: 'POST', path: '/api/v1/hrv/samples', token: alice, body: { samples: [] }, status: 400, code: 'invalid_request' },
  { name: 'hrv: sample without uuid', method: 'POST', path: '/api/v1/hrv/samples', token: alice, body: { samples: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z', value: 40, unit: 'ms' }] }, status: 400, code: 'invalid_request' },
  { name: 'hrv: bad date', method: 'POST', path: '/api/v1/hrv/samples', token: alice, body: { samples: [{ uuid: 'u', start: 'yesterday', end: '2026-01-01T00:01:00Z', value: 40, unit: 'ms' }] }, status: 400, code: 'invalid_request' },
  { name: 'providers: unknown provider', method: 'POST', path: '/api/v1/providers/fitbit/connect', token: alice, status: 400, code: 'invalid_request' },
  // Errors fastify raises before any handler (FST_ERR_*) answer in the envelope too, with a status that matches.
  { name: 'providers: 300-character provider name', method: 'POST', path: `/api/v1/providers/${'p'.repeat(300)}/connect`, token: alice, status: 400, code: 'invalid_request' },
  { name: 'providers: 300-character name on disconnect', method: 'DELETE', path: `/api/v1/providers/${'p'.repeat(300)}`, token: alice, status: 400, code: 'invalid_request' },
  { name: 'providers: 300-character name on the public callback', method: 'GET', path: `/api/v1/providers/${'p'.repeat(300)}/callback?state=s`, status: 400, code: 'invalid_request' },
  { name: 'providers: complete without a code', method: 'POST', path: '/api/v1/providers/whoop/complete', token: alice, body: {}, status: 400, code: 'invalid_request' },
  { name: 'providers: complete with a code never issued', method: 'POST', path: '/api/v1/providers/whoop/complete', token: alice, body: { code: 'guess' }, status: 403, code: 'invalid_code' },
  { name: 'providers: malformed percent-encoding', method: 'POST', path: '/api/v1/providers/%E0%A4%A/connect', token: alice, status: 400, code: 'invalid_request' },
  { name: 'empty JSON body', method: 'POST', path: '/api/v1/users', token: alice, rawBody: '', status: 400, code: 'invalid_request' },
  { name: 'JSON that is not an object', method: 'POST', path: '/api/v1/users', token: alice, rawBody: '"text"', status: 400, code: 'invalid_request' },
  { name: 'no content type on a body', method: 'POST', path: '/api/v1/decisions', token: alice, rawBody: '{"decision_type":"Delay"}', headers: { 'content-type': '' }, status: 415, code: 'unsupported_media_type' },
  { name: 'huge body on a public webhook', method: 'POST', path: '/api/v1/webhooks/whoop', rawBody: JSON.stringify({ pad: 'x'.repeat(400_000) }), status: 413, code: 'payload_too_large' },
  { name: 'form body on a public webhook', method: 'POST', path: '/api/v1/webhooks/google-calendar', rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'unknown route with a body too large', method: 'POST', path: '/api/v1/nope', token: alice, rawBody: JSON.stringify({ pad: 'x'.repeat(400_000) }), status: 413, code: 'payload_too_large' },
  { name: 'unsupported method', method: 'PROPFIND', path: '/api/v1/state', token: alice, status: 404, code: 'not_found' },
  { name: 'dev: bad user id', method: 'POST', path: '/api/v1/dev/token', body: { user_id: 'not ok!' }, status: 400, code: 'invalid_request' },
  { name: 'dev: cycle day out of range', method: 'POST', path: '/api/v1/dev/cycle-day', token: alice, body: { day: 8 }, status: 400, code: 'invalid_request' },
  { name: 'unknown route', method: 'GET', path: '/api/v1/nope', token: alice, status: 404, code: 'not_found' },
  { name: 'stream: no token', method: 'GET', path: '/api/v1/state/stream', status: 401, code: 'missing_token' },
  { name: 'stream: a token in the query string is no token', method: 'GET', path: '/api/v1/state/stream?access_token=x', status: 401, code: 'missing_token' },
  { name: 'stream: a user who never registered', method: 'GET', path: '/api/v1/state/stream', token: (idp) => idp.token('dave').then((t) => `Bearer ${t}`), status: 404, code: 'user_not_registered' },
  { name: 'devices: unknown platform', method: 'POST', path: '/api/v1/devices', token: alice, body: { platform: 'windows', token: 'abc' }, status: 400, code: 'invalid_request' },
  { name: 'devices: missing token', method: 'POST', path: '/api/v1/devices', token: alice, body: { platform: 'ios' }, status: 400, code: 'invalid_request' },
  { name: 'devices: malformed APNs token', method: 'POST', path: '/api/v1/devices', token: alice, body: { platform: 'ios', token: 'zz' }, status: 422, code: 'invalid_push_token' },
  { name: 'devices: an id that is no device', method: 'DELETE', path: '/api/v1/devices/not-a-device', token: alice, status: 404, code: 'device_not_found' },
  { name: 'state of a user who never registered', method: 'GET', path: '/api/v1/state', token: (idp) => idp.token('dave').then((t) => `Bearer ${t}`), status: 404, code: 'user_not_registered' },
];

describe('gateway REST contract', () => {
  let stack: RunningTestStack;
  let idp: TestIdentityProvider;

  async function call(c: Omit<Case, 'status' | 'code' | 'name'>): Promise<Response> {
    const token = typeof c.token === 'function' ? await c.token(idp) : c.token;
    const authorization = token === undefined ? undefined : token.includes(' ') ? token : `Bearer ${token}`;
    return fetch(stack.gatewayUrl + c.path, {
      method: c.method,
      headers: { ...(c.body !== undefined || c.rawBody !== undefined ? json : {}), ...(authorization ? { authorization } : {}), ...c.headers },
      ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : c.rawBody !== undefined ? { body: c.rawBody } : {}),
    });
  }

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    stack = await startTestStack({
      JWKS_URL: idp.jwksUrl,
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: idp.audience,
      RATE_LIMIT_CHECK_PER_MINUTE: '5',
      CORS_ORIGINS: 'https://app.omtobe.example',
    });
    const registered = await call({ method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'alice@example.com', timezone: 'Asia/Kolkata' } });
    expect(registered.status).toBe(201);
    // The state engine learns of the user from users.v1.
    await eventually(async () => (await call({ method: 'GET', path: '/api/v1/state', token: alice })).status, (s) => s === 200);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await idp?.close();
  });

  it.each(cases)('$name → $status $code', async (c) => {
    const response = await call(c);
    const body = (await response.json()) as { error?: { code: string; message: string; details: unknown[] } };
    expect({ status: response.status, code: body.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(typeof body.error?.message).toBe('string');
    expect(Array.isArray(body.error?.details)).toBe(true);
  });

  it('stores a zone as the time-zone data spells it, whatever its case, and the engine applies it', async () => {
    const carol = (idp: TestIdentityProvider) => idp.token('carol');
    const registered = await call({ method: 'POST', path: '/api/v1/users', token: carol, body: { email: 'carol@example.com', timezone: 'europe/london' } });
    expect(registered.status).toBe(201);
    const state = await eventually(
      async () => call({ method: 'GET', path: '/api/v1/state', token: carol }),
      (r) => r.status === 200,
    );
    expect(((await state.json()) as { timezone: string }).timezone).toBe('Europe/London');
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.gatewayUrl}/api/v1/state`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.omtobe.example');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.omtobe.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits /state/check per user with 429 and Retry-After, without limiting other users', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i += 1) {
      const response = await call({ method: 'POST', path: '/api/v1/state/check', token: alice });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const other = await call({ method: 'POST', path: '/api/v1/state/check', token: (i) => i.token('carol') });
    expect(other.status).not.toBe(429);
  });

  it('serves an OpenAPI 3.1 document whose every operation is a live route, and every route is documented', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const required of [
      'GET /api/v1/health',
      'POST /api/v1/users',
      'POST /api/v1/state/check',
      'GET /api/v1/state',
      'POST /api/v1/decisions',
      'POST /api/v1/reflections',
      'GET /api/v1/decisions/history',
      'GET /api/v1/reflections/history',
      'POST /api/v1/hrv/samples',
      'POST /api/v1/providers/{provider}/connect',
      'GET /api/v1/providers/{provider}/callback',
      'POST /api/v1/providers/{provider}/complete',
      'DELETE /api/v1/providers/{provider}',
      'POST /api/v1/webhooks/whoop',
      'POST /api/v1/webhooks/google-calendar',
      'GET /api/v1/me/export',
      'DELETE /api/v1/me',
      'POST /api/v1/devices',
      'GET /api/v1/devices',
      'DELETE /api/v1/devices/{id}',
      'GET /api/v1/state/stream',
    ]) {
      expect(documented).toContain(required);
    }
    // Every documented operation answers (whatever the status) rather than falling through to "no route".
    for (const operation of documented) {
      const [method, path] = operation.split(' ') as [string, string];
      const live = await call({ method, path: path.replace('{provider}', 'whoop').replace('{id}', 'not-a-device'), token: alice });
      if (live.headers.get('content-type') === 'text/event-stream') {
        await live.body?.cancel(); // the live stream never ends by itself: that it started is the answer
        continue;
      }
      const body = (await live.json().catch(() => ({}))) as { error?: { message?: string } };
      expect({ operation, fellThrough: body.error?.message?.startsWith('no route') ?? false }).toEqual({ operation, fellThrough: false });
    }
  });

  it('serves the same operations over gRPC and Connect for typed clients, the caller taken from the token', async () => {
    const token = await idp.token('erin');
    const bearer: Interceptor = (next) => (req) => {
      req.header.set('authorization', `Bearer ${token}`);
      return next(req);
    };
    const grpc = createClient(GatewayService, createGrpcTransport({ baseUrl: stack.gatewayUrl, interceptors: [bearer] }));
    const registered = await grpc.registerUser({ email: 'erin@example.com', timezone: 'Europe/London' });
    expect(registered.created).toBe(true);
    expect(registered.user?.userId).toBe('erin');
    const state = await eventually(
      () => grpc.getState({}).catch(() => undefined),
      (reply) => reply !== undefined,
    );
    expect(state!.state?.timezone).toBe('Europe/London');
    expect(state!.state?.currentDay).toBe(1);

    const connectJson = createClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1', interceptors: [bearer] }));
    expect((await connectJson.checkState({})).brake?.currentDay).toBe(1);
    const anonymous = createClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1' }));
    await expect(anonymous.getState({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
