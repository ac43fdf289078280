// The public contract as an app team meets it, against one running stack (the four services as processes, the
// run's PostgreSQL and broker, a stand-in identity provider): the served OpenAPI document linted with Redocly and
// Spectral, a client generated from it (openapi-typescript + openapi-fetch) driving the brake loop and the error
// cases, and every answer of every request here — typed client or plain fetch — checked against the document
// (openapi/conformance.ts): an undeclared status, header or body shape fails the request's test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Code, createClient as createRpcClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import createClient from 'openapi-fetch';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually } from '@omtobe/testing';
import type { paths } from './openapi/api.d.ts';
import { conformance, type Conformance, type OpenApiDocument } from './openapi/conformance.ts';
import { redocly, redoclyAccepted, spectral } from './openapi/lint.ts';
import { renderTypes, typesFile } from './openapi/types.ts';
import { alice, cases, json, type Case } from './support/rest-cases.ts';
import { startTestIdentityProvider, type TestIdentityProvider } from './support/tokens.ts';
import { afternoonZone } from './support/zones.ts';


describe('the public contract (OpenAPI) against the running system', () => {
  let stack: RunningTestStack;
  let idp: TestIdentityProvider;
  let document: OpenApiDocument;
  let contract: Conformance;

  /** A plain request; its answer is checked against the document before the test sees it. */
  async function call(c: Omit<Case, 'status' | 'code' | 'name'>): Promise<Response> {
    const token = typeof c.token === 'function' ? await c.token(idp) : c.token;
    const authorization = token === undefined ? undefined : token.includes(' ') ? token : `Bearer ${token}`;
    const url = stack.gatewayUrl + c.path;
    const response = await fetch(url, {
      method: c.method,
      headers: { ...(c.body !== undefined || c.rawBody !== undefined ? json : {}), ...(authorization ? { authorization } : {}), ...c.headers },
      ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : c.rawBody !== undefined ? { body: c.rawBody } : {}),
      redirect: 'manual',
    });
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await contract.check(c.method, url, new Response(null, { status: response.status, headers: response.headers }));
      await response.body?.cancel(); // the live stream never ends by itself: that it started is the answer
      return new Response(null, { status: response.status, headers: response.headers });
    }
    await contract.check(c.method, url, response);
    return response;
  }

  /** The client an app team generates: typed by openapi/api.d.ts, every answer checked by the middleware. */
  function typedClient(token?: string) {
    const client = createClient<paths>({ baseUrl: stack.gatewayUrl, headers: token ? { authorization: `Bearer ${token}` } : {} });
    client.use(contract.middleware);
    return client;
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
    document = (await (await fetch(`${stack.gatewayUrl}/api/v1/openapi.json`)).json()) as OpenApiDocument;
    contract = conformance(document);
    const registered = await call({ method: 'POST', path: '/api/v1/users', token: alice, body: { email: 'alice@example.com', timezone: 'Asia/Kolkata' } });
    expect(registered.status).toBe(201);
    // The state engine learns of the user from users.v1 (until then: 503 registration_in_progress, as documented).
    await eventually(async () => (await call({ method: 'GET', path: '/api/v1/state', token: alice })).status, (s) => s === 200);
  }, 120_000);

  // Every answer that broke the document, even one a retrying probe (eventually) went past, fails the test that got it.
  afterEach(() => {
    expect(contract?.failures.splice(0) ?? []).toEqual([]);
  });

  afterAll(async () => {
    await stack?.stop();
    await idp?.close();
  });

  it('serves a document Redocly (recommended) and Spectral (oas) pass without an error or a warning', async () => {
    expect([...(await redocly(document)), ...(await spectral(document))]).toEqual([]);
    // The accepted findings still point at what they excuse (a moved route would otherwise hide behind them).
    for (const { pointer } of redoclyAccepted) expect(document.paths[decodeURIComponent(pointer.split('/')[2]!.replaceAll('~1', '/'))]).toBeDefined();
  });

  it('is the document the committed client types were generated from', async () => {
    expect(await renderTypes(document)).toEqual(await readFile(typesFile, 'utf8')); // else: npm start, then node e2e/src/openapi/types.ts
  });

  it.each(cases)('$name → $status $code', async (c) => {
    const response = await call(c);
    const body = (await response.json()) as { error?: { code: string; message: string; details: unknown[] } };
    expect({ status: response.status, code: body.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(typeof body.error?.message).toBe('string');
    expect(Array.isArray(body.error?.details)).toBe(true);
    // RFC 6750: the challenge names the realm, and the error only when a token was sent.
    if (c.status === 401) {
      const challenge = { missing_token: 'Bearer realm="omtobe"', invalid_token: 'Bearer realm="omtobe", error="invalid_token"' }[c.code as 'missing_token' | 'invalid_token'];
      expect(response.headers.get('www-authenticate')).toBe(challenge ?? 'Bearer realm="omtobe", error="invalid_token", error_description="the token has expired"');
    }
  });

  it('drives the brake loop with the generated client: register, samples, HRV drop, event, check, Delay (replayed), history, export, erasure', async () => {
    const api = typedClient(await idp.token('frank'));
    const timezone = afternoonZone(new Date());
    const registered = await api.POST('/api/v1/users', { body: { email: 'frank@example.com', timezone } });
    expect(registered.response.status).toBe(201);
    expect(registered.data).toEqual({ user_id: 'frank', email: 'frank@example.com', timezone, created: true });
    await eventually(() => api.GET('/api/v1/state'), (r) => r.response.status === 200);

    const end = Date.now() - 2 * 24 * 3_600_000;
    const samples = [0, 1, 2].map((i) => ({ uuid: randomUUID(), start: new Date(end + i * 3_600_000 - 60_000).toISOString(), end: new Date(end + i * 3_600_000).toISOString(), value: 50, unit: 'ms' }));
    // Integrations may hear of frank a moment after the state engine: 503 registration_in_progress until then, as documented.
    const uploaded = await eventually(() => api.POST('/api/v1/hrv/samples', { body: { samples } }), (r) => r.response.status !== 503);
    expect(uploaded.data?.results.map((r) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted']);

    expect((await api.POST('/api/v1/dev/cycle-day', { body: { day: 4 } })).data?.current_day).toBe(4);
    const board = (await api.POST('/api/v1/dev/high-stakes-event', { body: { title: 'Board Meeting', duration_minutes: 90 } })).data!;
    const drop = (await api.POST('/api/v1/dev/hrv-drop', { body: { drop_percent: 30 } })).data!;
    // Waited for on GET /state — the engine holds the event and the dropped reading —, not by polling the rate-limited check.
    await eventually(
      () => api.GET('/api/v1/state'),
      (r) => r.data?.hrv_measured_at === drop.measured_at && (r.data?.upcoming_events ?? []).some((e) => e.id === board.event_id),
    );
    const check = await api.POST('/api/v1/state/check');
    expect(check.data).toMatchObject({ should_display: true, current_day: 4, phase: 'Intervention Logic', reason: null });
    expect(check.data!.hrv_current!).toBeLessThanOrEqual(0.8 * check.data!.hrv_baseline_mean!);

    const key = randomUUID();
    const delay = await api.POST('/api/v1/decisions', { body: { decision_type: 'Delay' }, params: { header: { 'idempotency-key': key } } });
    expect(delay.response.status).toBe(201);
    expect(delay.data).toMatchObject({ status: 'decision_recorded', decision_type: 'Delay', next_action: 'cooling_period_activated', day: 4 });
    // The documented replay: the same key answers the first answer again and records nothing more.
    const replay = await api.POST('/api/v1/decisions', { body: { decision_type: 'Delay' }, params: { header: { 'idempotency-key': key } } });
    expect({ status: replay.response.status, body: replay.data }).toEqual({ status: 201, body: delay.data });
    const reused = await api.POST('/api/v1/decisions', { body: { decision_type: 'Proceed' }, params: { header: { 'idempotency-key': key } } });
    expect({ status: reused.response.status, code: reused.error?.error.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });

    const history = await eventually(() => api.GET('/api/v1/decisions/history', { params: { query: { page_size: 10 } } }), (r) => (r.data?.decisions.length ?? 0) >= 1);
    expect(history.data!.decisions).toEqual([{ decision_id: delay.data!.decision_id, timestamp: delay.data!.timestamp, decision_type: 'Delay', day: 4 }]);
    expect((await api.GET('/api/v1/reflections/history')).data).toEqual({ reflections: [], next_page_token: null });

    const device = await api.POST('/api/v1/devices', { body: { platform: 'ios', token: 'ab'.repeat(32), environment: 'sandbox' } });
    expect(device.response.status).toBe(201);

    // The export speaks the answers' vocabulary, every field present (the document requires each one).
    const exported = (await api.GET('/api/v1/me/export')).data!;
    expect(exported.user).toEqual({ user_id: 'frank', email: 'frank@example.com', timezone });
    expect(exported.state).toMatchObject({ current_day: 4, phase: 'Intervention Logic', cooling_period_active: true, timezone });
    expect(exported.log).toEqual({ decisions: history.data!.decisions, reflections: [] });
    expect(exported.integrations.events).toContainEqual({ id: board.event_id, title: 'Board Meeting', starts_at: board.starts_at, ends_at: board.ends_at });
    expect(exported.integrations.devices).toEqual([device.data]);
    expect(new Set(exported.integrations.hrv_samples.map((s) => s.metric))).toEqual(new Set(['sdnn']));
    expect(exported.integrations.hrv_samples.filter((s) => s.source === 'healthkit').map((s) => s.sample_id).sort()).toEqual(samples.map((s) => s.uuid.toUpperCase()).sort()); // HealthKit UUIDs as stored: upper case

    // Erasure: from the 202 on, every operation about frank answers 404 user_not_registered — reads included.
    const erased = await api.DELETE('/api/v1/me');
    expect({ status: erased.response.status, body: erased.data }).toEqual({ status: 202, body: { status: 'erasure_accepted', deleted: true } });
    const after = await Promise.all([
      api.GET('/api/v1/state'),
      api.POST('/api/v1/state/check'),
      api.POST('/api/v1/decisions', { body: { decision_type: 'Proceed' } }),
      api.POST('/api/v1/reflections', { body: { response: 'Yes' } }),
      api.GET('/api/v1/decisions/history'),
      api.GET('/api/v1/reflections/history'),
      api.GET('/api/v1/me/export'),
      api.GET('/api/v1/devices'),
      api.POST('/api/v1/hrv/samples', { body: { samples } }),
      api.DELETE('/api/v1/providers/{provider}', { params: { path: { provider: 'whoop' } } }),
      api.POST('/api/v1/dev/cycle-day', { body: { day: 5 } }),
      api.GET('/api/v1/state/stream', { parseAs: 'stream' }),
    ]);
    expect(after.map((r) => r.response.status)).toEqual(after.map(() => 404));
    expect(after.map((r) => (r.error as { error?: { code: string } } | undefined)?.error?.code)).toEqual(after.map(() => 'user_not_registered'));
    // Idempotent: again 202, nothing left to delete.
    expect((await api.DELETE('/api/v1/me')).data).toEqual({ status: 'erasure_accepted', deleted: false });
  }, 60_000);

  it('answers the error cases through the generated client as the document types them', async () => {
    const anonymous = typedClient();
    const refused = await anonymous.GET('/api/v1/state');
    expect({ status: refused.response.status, code: refused.error?.error.code, challenge: refused.response.headers.get('www-authenticate') }).toEqual({
      status: 401,
      code: 'missing_token',
      challenge: 'Bearer realm="omtobe"',
    });
    const gina = typedClient(await idp.token('gina'));
    const unknown = await gina.GET('/api/v1/reflections/history');
    expect({ status: unknown.response.status, code: unknown.error?.error.code }).toEqual({ status: 404, code: 'user_not_registered' });
    const badZone = await gina.POST('/api/v1/users', { body: { email: 'gina@example.com', timezone: '+05:30' } });
    expect({ status: badZone.response.status, code: badZone.error?.error.code }).toEqual({ status: 422, code: 'invalid_timezone' });
    const badEnum = await gina.POST('/api/v1/decisions', { body: { decision_type: 'Maybe' as never } });
    expect({ status: badEnum.response.status, code: badEnum.error?.error.code, fields: badEnum.error?.error.details.map((d) => d.field) }).toEqual({
      status: 400,
      code: 'invalid_request',
      fields: expect.arrayContaining(['decision_type']),
    });
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

  it('documents every route it serves, and every documented operation is a live route answering as documented', async () => {
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
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
      'GET /api/v1/providers',
      'POST /api/v1/webhooks/whoop',
      'POST /api/v1/webhooks/google-calendar',
      'POST /api/v1/webhooks/microsoft',
      'GET /api/v1/me/export',
      'DELETE /api/v1/me',
      'POST /api/v1/devices',
      'GET /api/v1/devices',
      'DELETE /api/v1/devices/{id}',
      'GET /api/v1/state/stream',
    ]) {
      expect(documented).toContain(required);
    }
    // Every documented operation answers (whatever the status, as long as the document declares it) rather than
    // falling through to "no route". As the user eve, registered here, so this never erases another test's user.
    const eve = (i: TestIdentityProvider) => i.token('eve');
    expect((await call({ method: 'POST', path: '/api/v1/users', token: eve, body: { email: 'eve@example.com', timezone: 'UTC' } })).status).toBe(201);
    for (const operation of documented) {
      const [method, path] = operation.split(' ') as [string, string];
      const live = await call({ method, path: path.replace('{provider}', 'whoop').replace('{id}', 'not-a-device'), token: eve });
      const body = (await live.json().catch(() => ({}))) as { error?: { message?: string } };
      expect({ operation, fellThrough: body.error?.message?.startsWith('no route') ?? false }).toEqual({ operation, fellThrough: false });
    }
    // ...and each was held to the document at least once by the checks above.
    expect(documented.filter((operation) => !contract.seen.has(operation))).toEqual([]);
  });

  it('serves the same operations over gRPC and Connect for typed clients, the caller taken from the token', async () => {
    const token = await idp.token('erin');
    const bearer: Interceptor = (next) => (req) => {
      req.header.set('authorization', `Bearer ${token}`);
      return next(req);
    };
    const grpc = createRpcClient(GatewayService, createGrpcTransport({ baseUrl: stack.gatewayUrl, interceptors: [bearer] }));
    const registered = await grpc.registerUser({ email: 'erin@example.com', timezone: 'Europe/London' });
    expect(registered.created).toBe(true);
    expect(registered.user?.userId).toBe('erin');
    const state = await eventually(
      () => grpc.getState({}).catch(() => undefined),
      (reply) => reply !== undefined,
    );
    expect(state!.state?.timezone).toBe('Europe/London');
    expect(state!.state?.currentDay).toBe(1);

    const connectJson = createRpcClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1', interceptors: [bearer] }));
    expect((await connectJson.checkState({})).brake?.currentDay).toBe(1);
    const anonymous = createRpcClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1' }));
    await expect(anonymous.getState({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
