// Every route, fed what a broken or hostile client sends: a 4xx with the one envelope, never a 500 (the contract
// test sends them and checks each answer against the OpenAPI document too).
import type { TestIdentityProvider } from './tokens.ts';

export interface Case {
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

export const alice = (idp: TestIdentityProvider) => idp.token('alice');
const dave = (idp: TestIdentityProvider) => idp.token('dave').then((t) => `Bearer ${t}`);
export const json = { 'content-type': 'application/json' };

export const cases: Case[] = [
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
  // The contract stack configures no Microsoft credentials: Graph's handshake gets the documented answer for that.
  {
    name: 'webhooks: a Microsoft Graph validation handshake where Microsoft is not configured',
    method: 'POST',
    path: '/api/v1/webhooks/microsoft?validationToken=Validation%3A%20Testing%20client%20application%20reachability',
    rawBody: '',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    status: 409,
    code: 'provider_not_configured',
  },
  { name: 'webhooks: a Microsoft validation token over 1024 characters', method: 'POST', path: `/api/v1/webhooks/microsoft?validationToken=${'v'.repeat(1025)}`, status: 400, code: 'invalid_request' },
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
  { name: 'calendar: missing window', method: 'POST', path: '/api/v1/calendar/events', token: alice, body: { events: [] }, status: 400, code: 'invalid_request' },
  {
    name: 'calendar: window ends before it starts',
    method: 'POST',
    path: '/api/v1/calendar/events',
    token: alice,
    body: { window_start: '2026-01-02T00:00:00Z', window_end: '2026-01-01T00:00:00Z', events: [] },
    status: 422,
    code: 'invalid_window',
  },
  // One answer for a user without a profile on every route about the caller (issue 20): never an empty page.
  ...(
    [
      ['POST', '/api/v1/state/check'],
      ['POST', '/api/v1/decisions', { decision_type: 'Delay' }],
      ['POST', '/api/v1/reflections', { response: 'Skip' }],
      ['GET', '/api/v1/decisions/history'],
      ['GET', '/api/v1/reflections/history'],
      ['GET', '/api/v1/me/export'],
      ['GET', '/api/v1/devices'],
      ['DELETE', '/api/v1/devices/0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e'],
      ['POST', '/api/v1/hrv/samples', { samples: [{ uuid: 'u1', start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z', value: 40, unit: 'ms' }] }],
      ['POST', '/api/v1/providers/whoop/connect'],
      ['DELETE', '/api/v1/providers/whoop'],
      ['GET', '/api/v1/providers'],
      ['POST', '/api/v1/dev/cycle-day', { day: 4 }],
      ['POST', '/api/v1/calendar/events', { window_start: '2026-01-01T00:00:00Z', window_end: '2026-01-02T00:00:00Z', events: [] }],
    ] as const
  ).map(([method, path, body]) => ({ name: `${method} ${path} of a user who never registered`, method, path, token: dave, ...(body ? { body } : {}), status: 404, code: 'user_not_registered' })),
];
