import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { durationFromMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import type { Kysely } from 'kysely';
import { createErrorInterceptor, createServiceTokenInterceptor, createServiceTokenSigner, errorReasonHeader } from '@omtobe/platform';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';
import { rejection } from '@omtobe/testing';
import { expectInvalid } from '../../test/connect.ts';
import { silentLogger, testDeps } from '../../test/support.ts';
import { encodePageToken } from '../domain/page-token.ts';
import type { Database } from '../store/database.ts';
import { callerCheck } from './callers.ts';
import { decisionLogRoutes } from './routes.ts';

// Handler tests in memory (createRouterTransport), with the interceptors main.ts and the platform's server put
// around the routes: the error mapping, then the caller check. Everything here is decided before the store: a
// database that throws when touched proves it.
const unreachable = new Proxy({} as Kysely<Database>, {
  get(_target, property) {
    throw new Error(`the database was reached (${String(property)})`);
  },
});

// Fresh keys per run, configured as SERVICE_PUBLIC_KEYS: the check is the one production runs.
const keys = { gateway: generateKeyPairSync('ed25519'), integrations: generateKeyPairSync('ed25519') };
const publicKeys = Object.entries(keys)
  .map(([caller, pair]) => `${caller}=${pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`)
  .join(',');

type Caller = keyof typeof keys | 'nobody';

/** A client of the routes as `caller` (`undefined`: the routes without the caller check). */
function clientAs(caller: Caller | undefined, mode: 'development' | 'production' = 'production'): Client<typeof DecisionLogService> {
  const config = { OMTOBE_MODE: mode, SERVICE_NAME: 'decision-log', SERVICE_PUBLIC_KEYS: publicKeys };
  const signer = caller === undefined || caller === 'nobody' ? undefined : createServiceTokenSigner({ issuer: caller, key: () => keys[caller].privateKey });
  const transport = createRouterTransport(decisionLogRoutes(testDeps(unreachable)), {
    router: { interceptors: [createErrorInterceptor(silentLogger), ...(caller ? [callerCheck(config, silentLogger)] : [])] },
    transport: { interceptors: signer ? [createServiceTokenInterceptor(signer, config.SERVICE_NAME)] : [] },
  });
  return createClient(DecisionLogService, transport);
}

describe('DecisionLogService handlers (in memory)', () => {
  const client = clientAs('gateway');

  it('requires a user id by the rule every service applies (@omtobe/rules) for history and export', async () => {
    await expectInvalid(client.listDecisions({ userId: '' }), 'invalid_user_id');
    await expectInvalid(client.listReflections({ userId: '  ' }), 'invalid_user_id');
    await expectInvalid(client.listReflections({ userId: 'alice smith' }), 'invalid_user_id');
    await expectInvalid(client.exportUserData({ userId: 'x'.repeat(129) }), 'invalid_user_id');
    for (const bad of ['', '   ', 'x'.repeat(257)]) await expectInvalid(client.exportUserData({ userId: bad }), 'invalid_user_id');
    // An identity provider's id passes: what stops this call is its page token, checked next.
    await expectInvalid(client.listDecisions({ userId: 'auth0|abc', pageToken: 'garbage!' }), 'invalid_page_token');
  });

  it('refuses malformed, tampered and foreign page tokens', async () => {
    const userId = 'token-user';
    const valid = encodePageToken('decisions', { time: new Date('2025-01-08T10:00:00Z'), id: randomUUID() });
    const tampered = Buffer.from(Buffer.from(valid, 'base64url').toString().replace(/^1\./, '9.')).toString('base64url');
    for (const pageToken of ['garbage!', 'Zm9v', `${valid}x`, tampered, encodePageToken('reflections', { time: new Date(), id: randomUUID() })]) {
      await expectInvalid(client.listDecisions({ userId, pageToken }), 'invalid_page_token');
    }
    await expectInvalid(client.listReflections({ userId, pageToken: valid }), 'invalid_page_token');
  });

  it('refuses a summary without from or to, or with from not before to', async () => {
    // No service may call GetSummary yet (callers.ts): its checks are those of the routes alone.
    const open = clientAs(undefined);
    const at = (iso: string) => timestampFromDate(new Date(iso));
    await expectInvalid(open.getSummary({ to: at('2025-01-02T00:00:00Z') }), 'invalid_range');
    await expectInvalid(open.getSummary({ from: at('2025-01-01T00:00:00Z') }), 'invalid_range');
    await expectInvalid(open.getSummary({ from: at('2025-01-02T00:00:00Z'), to: at('2025-01-02T00:00:00Z') }), 'invalid_range');
    await expectInvalid(open.getSummary({ from: at('2025-01-03T00:00:00Z'), to: at('2025-01-02T00:00:00Z') }), 'invalid_range');
  });

  it('refuses AdvanceDevClock without a development clock with FAILED_PRECONDITION development_only', async () => {
    const refused = await rejection(clientAs('gateway', 'development').advanceDevClock({ offset: durationFromMs(60_000) }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.metadata.get(errorReasonHeader)).toBe('development_only');
  });

  it('answers INTERNAL for anything that is not a domain error, without its message', async () => {
    const failed = await rejection(client.listDecisions({ userId: 'auth0|abc' }));
    expect(failed.code).toBe(Code.Internal);
    expect(failed.message).not.toMatch(/database/);
  });
});

describe('who may call what (callers.ts)', () => {
  const codeOf = async (call: Promise<unknown>) => (await rejection(call)).code;

  it('lets the gateway call the user-facing RPCs and nobody else', async () => {
    // The gateway gets past the check (refused for its request); another service, or no token, does not.
    await expectInvalid(clientAs('gateway').listReflections({ userId: '' }), 'invalid_user_id');
    expect(await codeOf(clientAs('integrations').listDecisions({ userId: 'u' }))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('integrations').exportUserData({ userId: 'u' }))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('nobody').listDecisions({ userId: 'u' }))).toBe(Code.Unauthenticated);
  });

  it('lets no service ask for the summary, and the development clock only the gateway, in development only', async () => {
    expect(await codeOf(clientAs('gateway').getSummary({}))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('gateway').advanceDevClock({}))).toBe(Code.PermissionDenied);
    expect(await codeOf(clientAs('gateway', 'development').advanceDevClock({}))).toBe(Code.FailedPrecondition);
    expect(await codeOf(clientAs('integrations', 'development').advanceDevClock({}))).toBe(Code.PermissionDenied);
  });
});
