// Device registration as the gateway does it: validation, the caller from the token, the mapping both ways and
// the export, with the integrations service played by a stand-in that records what it is asked (its own
// behaviour is tested in services/integrations). Real PostgreSQL for the gateway's own profile table.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import pino from 'pino';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { createErrorInterceptor, errorReasonHeader, systemClock } from '@omtobe/platform';
import { GatewayService, RegisterUserRequestSchema } from '@omtobe/proto/gateway/v1';
import { DevicePlatform, DeviceSchema, PushEnvironment, type Device } from '@omtobe/proto/integrations/v1';
import { createTestDatabase, type TestDatabase } from '@omtobe/testing';
import { createAuthInterceptor } from '../src/api/connect-auth.ts';
import { gatewayRoutes } from '../src/api/connect.ts';
import { AuthenticationError } from '../src/auth/verifier.ts';
import type { Deps } from '../src/operations/deps.ts';
import { registerUser } from '../src/operations/users.ts';
import type { Peers } from '../src/peers/peers.ts';
import { schema, type Database } from '../src/store/database.ts';
import { migrations } from '../src/store/migrations/index.ts';
import { serveRestApp } from './serve-rest.ts';

const apnsToken = 'a1'.repeat(32);
const deviceId = '6f1c2a9e-3b7d-4c1e-9a51-0d2f3e4b5c6d';
const registeredAt = new Date('2026-03-01T08:00:00.000Z');
const updatedAt = new Date('2026-03-06T09:30:00.000Z');
const device = (fields: Partial<Device> = {}) =>
  create(DeviceSchema, { deviceId, platform: DevicePlatform.IOS, environment: PushEnvironment.SANDBOX, token: apnsToken, registeredAt: timestampFromDate(registeredAt), updatedAt: timestampFromDate(updatedAt), ...fields });

const verify = async (authorization: string | undefined) => {
  if (authorization === 'Bearer alice-token') return 'alice';
  throw new AuthenticationError('missing_token', 'a bearer token is required');
};

describe('devices through the gateway', () => {
  let database: TestDatabase;
  let closeDb: () => Promise<void>;
  let served: Awaited<ReturnType<typeof serveRestApp>> | undefined;
  let url: string;
  let deps: Deps;
  let calls: Array<[string, Record<string, unknown>]>;
  let known: Set<string>;

  const integrations = {
    registerDevice: async (req: Record<string, unknown>) => {
      calls.push(['registerDevice', req]);
      const created = !known.has(req.token as string);
      known.add(req.token as string);
      return { device: device({ platform: req.platform as DevicePlatform, environment: req.environment as PushEnvironment, token: req.token as string }), created };
    },
    listDevices: async (req: Record<string, unknown>) => {
      calls.push(['listDevices', req]);
      return { devices: [device()] };
    },
    deleteDevice: async (req: Record<string, unknown>) => {
      calls.push(['deleteDevice', req]);
      if (req.deviceId !== deviceId) throw new ConnectError('no such device', Code.NotFound, { [errorReasonHeader]: 'device_not_found' });
      return {};
    },
    exportUserData: async () => ({ connections: [], hrvSamples: [], events: [], devices: [device()] }),
  };

  const send = (method: string, path: string, body?: unknown, token: string | null = 'alice-token') =>
    fetch(url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    database = await createTestDatabase('gateway_devices');
    const opened = createDatabase<Database>({ url: database.url, schema });
    closeDb = opened.close;
    await migrateToLatest({ db: opened.db, schema, migrations });
    const peers = {
      integrations,
      stateEngine: { getState: async () => Promise.reject(new ConnectError('unknown', Code.NotFound)) },
      decisionLog: { exportUserData: async () => ({ decisions: [], reflections: [] }) },
      health: [],
    } as unknown as Peers;
    deps = { db: opened.db, peers, clock: systemClock, logger: pino({ level: 'silent' }) };
    await registerUser(deps, { userId: 'alice' }, create(RegisterUserRequestSchema, { email: 'alice@example.com', timezone: 'Europe/London' }));
    served = await serveRestApp({ deps, verify, bodyLimitBytes: 64 * 1024, checkPerMinute: 100, rateLimitTrackedClients: 1_000 });
    url = served.url;
  });
  beforeEach(() => {
    calls = [];
    known = new Set();
  });
  afterAll(async () => {
    await served?.close();
    await closeDb?.();
    await database?.drop();
  });

  it('registers the caller’s phone: 201 with the device, then 200 for the same token; the user is the token’s subject', async () => {
    const first = await send('POST', '/api/v1/devices', { platform: 'ios', token: apnsToken, environment: 'sandbox' });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id: deviceId, platform: 'ios', environment: 'sandbox', token: apnsToken, registered_at: registeredAt.toISOString(), updated_at: updatedAt.toISOString() });
    const again = await send('POST', '/api/v1/devices', { platform: 'ios', token: apnsToken, environment: 'sandbox' });
    expect(again.status).toBe(200);
    expect(calls.map(([, req]) => ({ userId: req.userId, platform: req.platform, environment: req.environment }))).toEqual([
      { userId: 'alice', platform: DevicePlatform.IOS, environment: PushEnvironment.SANDBOX },
      { userId: 'alice', platform: DevicePlatform.IOS, environment: PushEnvironment.SANDBOX },
    ]);
  });

  it('registers an iOS token without an environment as production, and an Android one always as production', async () => {
    expect((await send('POST', '/api/v1/devices', { platform: 'ios', token: apnsToken })).status).toBe(201);
    const android = await send('POST', '/api/v1/devices', { platform: 'android', token: 'fcm:APA91b-Token_1.x', environment: 'sandbox' });
    expect(android.status).toBe(201);
    expect(await android.json()).toMatchObject({ platform: 'android', environment: 'production' });
    expect(calls.map(([, req]) => req.environment)).toEqual([PushEnvironment.PRODUCTION, PushEnvironment.PRODUCTION]);
  });

  it.each([
    ['an unknown platform', { platform: 'windows', token: apnsToken }, 400, 'invalid_request'],
    ['no token', { platform: 'ios' }, 400, 'invalid_request'],
    ['no platform', { token: apnsToken }, 400, 'invalid_request'],
    ['an empty token', { platform: 'android', token: '' }, 400, 'invalid_request'],
    ['a user_id field', { platform: 'ios', token: apnsToken, user_id: 'bob' }, 400, 'invalid_request'],
    ['an unknown environment', { platform: 'ios', token: apnsToken, environment: 'staging' }, 400, 'invalid_request'],
    ['an APNs token that is not hex', { platform: 'ios', token: 'not-a-token' }, 422, 'invalid_push_token'],
    ['an APNs token too short', { platform: 'ios', token: 'ab12' }, 422, 'invalid_push_token'],
    ['an FCM token with spaces', { platform: 'android', token: 'has spaces in it' }, 422, 'invalid_push_token'],
  ])('refuses %s in the envelope, asking integrations nothing', async (_name, body, status, code) => {
    const response = await send('POST', '/api/v1/devices', body);
    expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { error: { code, details: expect.any(Array) } } });
    expect(calls).toEqual([]);
  });

  it('answers 401 without a token on every device route', async () => {
    for (const [method, path, body] of [['POST', '/api/v1/devices', { platform: 'ios', token: apnsToken }], ['GET', '/api/v1/devices'], ['DELETE', `/api/v1/devices/${deviceId}`]] as const) {
      const response = await send(method, path, body, null);
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 401 });
    }
    expect(calls).toEqual([]);
  });

  it('lists the caller’s devices', async () => {
    const response = await send('GET', '/api/v1/devices');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ devices: [{ id: deviceId, platform: 'ios', environment: 'sandbox', token: apnsToken, registered_at: registeredAt.toISOString(), updated_at: updatedAt.toISOString() }] });
    expect(calls).toEqual([['listDevices', expect.objectContaining({ userId: 'alice' })]]);
  });

  it('deletes one of the caller’s devices (204), and answers 404 for an id that is not one of them', async () => {
    expect((await send('DELETE', `/api/v1/devices/${deviceId}`)).status).toBe(204);
    const other = await send('DELETE', '/api/v1/devices/0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e');
    expect({ status: other.status, body: await other.json() }).toMatchObject({ status: 404, body: { error: { code: 'device_not_found' } } });
    const notAnId = await send('DELETE', '/api/v1/devices/not-a-uuid');
    expect({ status: notAnId.status, body: await notAnId.json() }).toMatchObject({ status: 404, body: { error: { code: 'device_not_found' } } });
    expect(calls.map(([, req]) => [req.userId, req.deviceId])).toEqual([
      ['alice', deviceId],
      ['alice', '0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e'],
    ]);
  });

  it('passes the devices integrations exports through GET /me/export', async () => {
    const response = await send('GET', '/api/v1/me/export');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { integrations: { devices: unknown[] } };
    expect(body.integrations.devices).toEqual([
      // The vocabulary of GET /devices (issue 20): one name for a device wherever it appears.
      { id: deviceId, platform: 'ios', environment: 'sandbox', token: apnsToken, registered_at: registeredAt.toISOString(), updated_at: updatedAt.toISOString() },
    ]);
  });

  it('offers the same over GatewayService, with the same validation', async () => {
    // As the platform server runs them: domain errors become codes, then authentication.
    const transport = createRouterTransport(gatewayRoutes(deps), { router: { interceptors: [createErrorInterceptor(deps.logger), createAuthInterceptor(verify)] } });
    const client = createClient(GatewayService, transport);
    const headers = { authorization: 'Bearer alice-token' };
    const registered = await client.registerDevice({ platform: DevicePlatform.ANDROID, token: 'fcm-token' }, { headers });
    expect(registered).toMatchObject({ created: true, device: { platform: DevicePlatform.ANDROID, environment: PushEnvironment.PRODUCTION, token: 'fcm-token' } });
    expect((await client.listDevices({}, { headers })).devices.map((d) => d.deviceId)).toEqual([deviceId]);
    await client.deleteDevice({ deviceId }, { headers });
    await expect(client.registerDevice({ platform: DevicePlatform.UNSPECIFIED, token: apnsToken }, { headers })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(client.listDevices({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
