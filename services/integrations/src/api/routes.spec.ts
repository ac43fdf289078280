import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { Code, ConnectError, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { createErrorInterceptor, createServiceTokenInterceptor, createServiceTokenSigner, loadConfig, serviceAuthInterceptorFrom } from '@omtobe/platform';
import { DevicePlatform, IntegrationsService, Provider, type PushEnvironment } from '@omtobe/proto/integrations/v1';
import { refusal, TestClock } from '@omtobe/testing';
import { configSchema, developmentTokenKeys, settingsFrom } from '../config.ts';
import { createTokenCipher, parseKeyring } from '../domain/token-cipher.ts';
import type { Deps } from '../operations/deps.ts';
import type { Database } from '../store/database.ts';
import { integrationsCallers } from './callers.ts';
import { integrationsRoutes } from './routes.ts';

// Handler tests in memory (createRouterTransport), inside the interceptors main.ts and the platform's server put
// around the routes: the error mapping, then the caller check. Everything here is decided before the store: a
// database that throws when touched proves it. No provider is configured, and development mode has its mocks on
// unless `mocks: false`.
const unreachable = new Proxy({} as Kysely<Database>, {
  get(_target, property) {
    throw new Error(`the database was reached (${String(property)})`);
  },
});
const silent = pino({ level: 'silent' });

function depsFor(options: { mocks: boolean }): Deps {
  const env = { DATABASE_URL: 'postgres://u:p@localhost:5432/db', KAFKA_BROKERS: 'localhost:9092', HRV_MAX_BATCH: '2', DEVICE_CALENDAR_MAX_BATCH: '2' };
  const config = loadConfig(configSchema, { ...env, MOCK_PROVIDERS: String(options.mocks) });
  return {
    db: unreachable,
    clock: new TestClock(new Date('2026-06-10T12:00:00Z')),
    logger: silent,
    settings: settingsFrom(config),
    cipher: createTokenCipher(parseKeyring(developmentTokenKeys)),
    wake: () => {},
  };
}

// Fresh keys per run, configured as SERVICE_PUBLIC_KEYS: the check is the one production runs.
const keys = { gateway: generateKeyPairSync('ed25519'), 'state-engine': generateKeyPairSync('ed25519') };
const publicKeys = Object.entries(keys)
  .map(([caller, pair]) => `${caller}=${pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`)
  .join(',');

type Caller = keyof typeof keys | 'nobody';

/** A client of the routes as `caller`, the service in `mode` (development by default). */
function clientAs(caller: Caller, options: { mode?: 'development' | 'production'; mocks?: boolean } = {}): Client<typeof IntegrationsService> {
  const mode = options.mode ?? 'development';
  const config = { OMTOBE_MODE: mode, SERVICE_NAME: 'integrations', SERVICE_PUBLIC_KEYS: publicKeys } as const;
  const signer = caller === 'nobody' ? undefined : createServiceTokenSigner({ issuer: caller, key: () => keys[caller].privateKey });
  const transport = createRouterTransport(integrationsRoutes(depsFor({ mocks: options.mocks ?? true })), {
    router: { interceptors: [createErrorInterceptor(silent), serviceAuthInterceptorFrom(config, { policies: [integrationsCallers(mode)], logger: silent })] },
    transport: { interceptors: signer ? [createServiceTokenInterceptor(signer, config.SERVICE_NAME)] : [] },
  });
  return createClient(IntegrationsService, transport);
}

const invalid = (reason: string) => ({ code: Code.InvalidArgument, reason });
const unavailableHere = (reason: string) => ({ code: Code.FailedPrecondition, reason });

describe('IntegrationsService handlers (in memory)', () => {
  const client = clientAs('gateway');

  it('requires a user id by the rule every service applies (@omtobe/rules)', async () => {
    expect(await refusal(client.uploadHrvSamples({ userId: '' }))).toEqual(invalid('invalid_user_id'));
    expect(await refusal(client.uploadCalendarEvents({ userId: '  ' }))).toEqual(invalid('invalid_user_id'));
    expect(await refusal(client.listConnections({ userId: 'alice smith' }))).toEqual(invalid('invalid_user_id'));
    expect(await refusal(client.exportUserData({ userId: 'x'.repeat(129) }))).toEqual(invalid('invalid_user_id'));
    expect(await refusal(client.registerDevice({ userId: '', platform: DevicePlatform.IOS, token: 'a'.repeat(64) }))).toEqual(invalid('invalid_user_id'));
    expect(await refusal(client.injectHrvDrop({ userId: '', dropPercent: 30 }))).toEqual(invalid('invalid_user_id'));
  });

  it('refuses batches beyond the configured size and a device upload without a window', async () => {
    const samples = Array.from({ length: 3 }, (_, i) => ({ uuid: `s-${i}`, value: 50, unit: 'ms' }));
    expect(await refusal(client.uploadHrvSamples({ userId: 'u', samples }))).toEqual(invalid('batch_too_large'));
    const events = Array.from({ length: 3 }, (_, i) => ({ eventId: `e-${i}`, title: 'Board Review' }));
    expect(await refusal(client.uploadCalendarEvents({ userId: 'u', events }))).toEqual(invalid('batch_too_large'));
    expect(await refusal(client.uploadCalendarEvents({ userId: 'u' }))).toEqual(invalid('invalid_window'));
  });

  it('refuses an unknown provider, and a known one this server has not configured', async () => {
    expect(await refusal(client.startConnection({ userId: 'u', provider: Provider.UNSPECIFIED }))).toEqual(invalid('invalid_provider'));
    expect(await refusal(client.disconnect({ userId: 'u', provider: 99 as Provider }))).toEqual(invalid('invalid_provider'));
    expect(await refusal(client.completeConnection({ provider: Provider.UNSPECIFIED }))).toEqual(invalid('invalid_provider'));
    expect(await refusal(client.startConnection({ userId: 'u', provider: Provider.WHOOP }))).toEqual(unavailableHere('provider_not_configured'));
    expect(await refusal(client.handleGraphNotification({ body: new Uint8Array() }))).toEqual(unavailableHere('provider_not_configured'));
  });

  it('bounds what callers pass through: codes, states, webhook bodies, device ids, tokens and environments', async () => {
    expect(await refusal(client.completeConnection({ provider: Provider.WHOOP, code: 'c'.repeat(2049) }))).toEqual(invalid('invalid_code'));
    expect(await refusal(client.completeConnection({ provider: Provider.WHOOP, state: 's'.repeat(257) }))).toEqual(invalid('invalid_state'));
    expect(await refusal(client.redeemConnection({ userId: 'u', provider: Provider.WHOOP, code: 'c'.repeat(257) }))).toEqual(invalid('invalid_code'));
    expect(await refusal(client.handleWhoopWebhook({ body: new Uint8Array(64 * 1024 + 1) }))).toEqual(invalid('body_too_large'));
    expect(await refusal(client.deleteDevice({ userId: 'u', deviceId: 'not-a-uuid' }))).toEqual(invalid('invalid_device_id'));
    expect(await refusal(client.deleteDevice({ userId: 'u', deviceId: '0190A5B2-7C1D-7E3F-8A9B-0C1D2E3F4A5B' }))).toEqual(invalid('invalid_device_id'));
    expect(await refusal(client.registerDevice({ userId: 'u', platform: DevicePlatform.IOS, token: 't'.repeat(4097) }))).toEqual(invalid('invalid_device_token'));
    expect(await refusal(client.registerDevice({ userId: 'u', platform: DevicePlatform.IOS, environment: 99 as PushEnvironment }))).toEqual(
      invalid('invalid_environment'),
    );
  });

  it('refuses an injected meeting shorter than a minute, longer than a day, or of negative length, and a drop outside 1-90%', async () => {
    for (const duration of [{ seconds: -3_600n }, { seconds: 0n }, { seconds: 59n }, { seconds: 24n * 3_600n + 1n }]) {
      expect(await refusal(client.injectHighStakesEvent({ userId: 'u', title: 'Board Review', duration }))).toEqual(invalid('invalid_duration'));
    }
    expect(await refusal(client.injectHighStakesEvent({ userId: 'u', title: 'B'.repeat(201) }))).toEqual(invalid('invalid_title'));
    for (const dropPercent of [0, 91, Number.NaN]) {
      expect(await refusal(client.injectHrvDrop({ userId: 'u', dropPercent }))).toEqual(invalid('invalid_drop_percent'));
    }
  });

  it('answers FAILED_PRECONDITION development_only for the development controls when they are off', async () => {
    const mocksOff = clientAs('gateway', { mocks: false });
    expect(await refusal(mocksOff.injectHrvDrop({ userId: 'u', dropPercent: 30 }))).toEqual(unavailableHere('development_only'));
    expect(await refusal(mocksOff.injectHighStakesEvent({ userId: 'u' }))).toEqual(unavailableHere('development_only'));
    // No development clock in these deps: AdvanceDevClock refuses before it reads or moves anything.
    expect(await refusal(client.advanceDevClock({}))).toEqual(unavailableHere('development_only'));
  });

  it('answers INTERNAL for anything that is not a domain error, without its message', async () => {
    const failed = await client.listConnections({ userId: 'auth0|abc' }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    expect(failed?.code).toBe(Code.Internal);
    expect(failed?.rawMessage).not.toMatch(/database/);
  });
});

describe('who may call what (callers.ts)', () => {
  const codeOf = async (call: Promise<unknown>) => (await refusal(call)).code;

  it('lets the gateway call every RPC, and no other service nor a caller without a token', async () => {
    // The gateway gets past the check (refused for its request); another service, or no token, does not.
    expect(await refusal(clientAs('gateway').listDevices({ userId: '' }))).toEqual(invalid('invalid_user_id'));
    expect(await codeOf(clientAs('state-engine').listDevices({ userId: 'u' }))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('state-engine').uploadHrvSamples({ userId: 'u' }))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('nobody').listConnections({ userId: 'u' }))).toBe(Code.Unauthenticated);
  });

  it('keeps the development controls from everyone in production, and lets the gateway use them in development', async () => {
    const production = clientAs('gateway', { mode: 'production', mocks: false });
    expect(await codeOf(production.injectHrvDrop({ userId: 'u', dropPercent: 30 }))).toBe(Code.PermissionDenied);
    expect(await codeOf(production.injectHighStakesEvent({ userId: 'u' }))).toBe(Code.PermissionDenied);
    expect(await codeOf(production.advanceDevClock({}))).toBe(Code.PermissionDenied);
    expect(await refusal(clientAs('gateway').injectHrvDrop({ userId: 'u', dropPercent: 0 }))).toEqual(invalid('invalid_drop_percent'));
    expect(await codeOf(clientAs('state-engine').advanceDevClock({}))).toBe(Code.PermissionDenied);
  });
});
