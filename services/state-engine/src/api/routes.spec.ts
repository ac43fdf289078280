import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { DevClock } from '@omtobe/db';
import { createErrorInterceptor, createServiceTokenInterceptor, createServiceTokenSigner, serviceAuthInterceptorFrom } from '@omtobe/platform';
import { Decision, ReflectionResponse, StateEngineService } from '@omtobe/proto/state-engine/v1';
import { refusal, TestClock } from '@omtobe/testing';
import { defaultRules } from '../domain/index.ts';
import type { Deps } from '../operations/deps.ts';
import type { Database } from '../store/database.ts';
import { stateEngineCallers } from './callers.ts';
import { stateEngineRoutes } from './routes.ts';

// Handler tests in memory (createRouterTransport), with the interceptors main.ts and the platform's server put
// around the routes: the error mapping, then the caller check. Everything here is decided before any I/O: a
// database and a development clock that throw when touched prove it.
const untouchable = <T extends object>(what: string) =>
  new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`the ${what} was reached (${String(property)})`);
    },
  });

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// Fresh keys per run, configured as SERVICE_PUBLIC_KEYS: the check is the one production runs.
const keys = { gateway: generateKeyPairSync('ed25519'), integrations: generateKeyPairSync('ed25519') };
const publicKeys = Object.entries(keys)
  .map(([caller, pair]) => `${caller}=${pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`)
  .join(',');

type Caller = keyof typeof keys | 'nobody';

/** A client of the routes as `caller` ('nobody': without a service token), in `mode`, with or without a development clock. */
function clientAs(caller: Caller, options: { mode?: 'development' | 'production'; devClock?: boolean } = {}): Client<typeof StateEngineService> {
  const mode = options.mode ?? 'production';
  const config = { OMTOBE_MODE: mode, SERVICE_NAME: 'state-engine', SERVICE_PUBLIC_KEYS: publicKeys };
  const deps: Deps = {
    db: untouchable<Kysely<Database>>('database'),
    clock: new TestClock(new Date('2026-03-06T20:30:00Z')),
    rules: defaultRules,
    logger,
    ...(options.devClock ? { devClock: untouchable<DevClock>('development clock') } : {}),
  };
  const signer = caller === 'nobody' ? undefined : createServiceTokenSigner({ issuer: caller, key: () => keys[caller].privateKey });
  const transport = createRouterTransport(stateEngineRoutes(deps), {
    router: { interceptors: [createErrorInterceptor(logger), serviceAuthInterceptorFrom(config, { policies: [stateEngineCallers(mode)], logger })] },
    transport: { interceptors: signer ? [createServiceTokenInterceptor(signer, config.SERVICE_NAME)] : [] },
  });
  return createClient(StateEngineService, transport);
}

const invalid = (reason: string) => ({ code: Code.InvalidArgument, reason });

describe('StateEngineService handlers (in memory)', () => {
  const client = clientAs('gateway');

  it('requires a user id by the rule every service applies (@omtobe/rules)', async () => {
    for (const userId of ['', 'alice smith', 'x'.repeat(129)]) {
      expect(await refusal(client.checkBrake({ userId }))).toEqual(invalid('invalid_user_id'));
      expect(await refusal(client.getState({ userId }))).toEqual(invalid('invalid_user_id'));
      expect(await refusal(client.submitDecision({ userId, decision: Decision.DELAY }))).toEqual(invalid('invalid_user_id'));
      expect(await refusal(client.submitReflection({ userId, response: ReflectionResponse.YES }))).toEqual(invalid('invalid_user_id'));
    }
  });

  it('refuses a decision or a reflection without an answer, or with an idempotency key over 200 characters', async () => {
    expect(await refusal(client.submitDecision({ userId: 'alice' }))).toEqual(invalid('invalid_decision'));
    expect(await refusal(client.submitReflection({ userId: 'alice' }))).toEqual(invalid('invalid_response'));
    const idempotencyKey = 'k'.repeat(201);
    expect(await refusal(client.submitDecision({ userId: 'alice', decision: Decision.PROCEED, idempotencyKey }))).toEqual(invalid('invalid_idempotency_key'));
    expect(await refusal(client.submitReflection({ userId: 'alice', response: ReflectionResponse.SKIP, idempotencyKey }))).toEqual(invalid('invalid_idempotency_key'));
  });

  it('refuses the development controls without the development clock with FAILED_PRECONDITION development_only', async () => {
    const off = clientAs('gateway', { mode: 'development' });
    const developmentOnly = { code: Code.FailedPrecondition, reason: 'development_only' };
    expect(await refusal(off.setCycleDay({ userId: 'alice', day: 3 }))).toEqual(developmentOnly);
    expect(await refusal(off.advanceClock({ by: durationFromMs(60_000) }))).toEqual(developmentOnly);
    expect(await refusal(off.advanceDevClock({ offset: durationFromMs(60_000) }))).toEqual(developmentOnly);
  });

  it('refuses a cycle day outside 1-7 and a clock move that is not a positive duration of at most 60 days', async () => {
    const on = clientAs('gateway', { mode: 'development', devClock: true });
    for (const day of [0, 8, 100]) expect(await refusal(on.setCycleDay({ userId: 'alice', day }))).toEqual(invalid('invalid_day'));
    expect(await refusal(on.setCycleDay({ userId: 'alice smith', day: 3 }))).toEqual(invalid('invalid_user_id'));
    for (const by of [undefined, durationFromMs(0), durationFromMs(-1_000), durationFromMs(60 * 24 * 3_600_000 + 1)]) {
      expect(await refusal(on.advanceClock(by ? { by } : {}))).toEqual(invalid('invalid_duration'));
    }
  });

  it('lets only the gateway call, and nobody the development controls in production (callers.ts)', async () => {
    const badUser = { userId: 'alice smith' }; // refused by the handler once the caller is let through
    expect(await refusal(client.checkBrake(badUser))).toEqual(invalid('invalid_user_id'));
    expect((await refusal(clientAs('integrations').checkBrake(badUser)))?.code).toBe(Code.PermissionDenied);
    expect((await refusal(clientAs('nobody').getState(badUser)))?.code).toBe(Code.Unauthenticated);
    expect((await refusal(client.setCycleDay({ ...badUser, day: 3 })))?.code).toBe(Code.PermissionDenied);
    expect((await refusal(client.advanceDevClock({})))?.code).toBe(Code.PermissionDenied);
    expect(await refusal(clientAs('gateway', { mode: 'development' }).advanceDevClock({}))).toEqual({ code: Code.FailedPrecondition, reason: 'development_only' });
  });
});
