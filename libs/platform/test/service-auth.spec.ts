import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Code, createClient, type ConnectRouter } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus } from '@omtobe/proto/grpc/health/v1';
import { ServerReflection } from '@omtobe/proto/grpc/reflection/v1';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createServiceClient } from '../src/clients.ts';
import { HealthRegistry } from '../src/health.ts';
import { createServer, type Server } from '../src/server.ts';
import { callerPolicy, createServiceAuthInterceptor, createServiceTokenSigner, type ServiceTokenSigner } from '../src/service-auth.ts';
import { publicKeyring, type ServicePublicKeyring } from '../src/service-keys.ts';
import { mintServiceToken, serviceTokenHeader } from '../src/service-tokens.ts';
import { captureLogs, rejection, type LogLine } from './support.ts';

const pair = () => generateKeyPairSync('ed25519');
const spki = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).toString('base64');
const pem = (key: KeyObject) => key.export({ format: 'pem', type: 'spki' }).toString();

const gateway = pair();
const integrations = pair(); // a known service, allowed on one RPC only

// The state engine's policy as a test stands it up: checkBrake for the gateway, getState for the gateway and
// integrations, the development control for nobody (production).
const policy = callerPolicy(StateEngineService, {
  checkBrake: ['gateway'],
  getState: ['gateway', 'integrations'],
  submitDecision: ['gateway'],
  submitReflection: ['gateway'],
  setCycleDay: [],
  advanceClock: [],
  advanceDevClock: [],
});

async function startCallee(keys: ServicePublicKeyring, options: { reflection?: boolean } = {}) {
  const { logger, lines } = captureLogs('debug');
  const health = new HealthRegistry();
  health.setStatus('SERVING');
  const server = createServer({
    routes: (router: ConnectRouter) =>
      router.service(StateEngineService, {
        checkBrake: () => ({ shouldDisplay: true }),
        getState: (request) => ({ userId: request.userId }),
        setCycleDay: () => ({}),
      }),
    port: 0,
    host: '127.0.0.1',
    logger,
    health,
    reflection: options.reflection ?? false,
    interceptors: [createServiceAuthInterceptor({ self: 'state-engine', policies: [policy], keys, logger })],
  });
  const port = await server.listen();
  return { server, logs: lines, baseUrl: `http://127.0.0.1:${port}` };
}

const client = (baseUrl: string, signer?: ServiceTokenSigner, audience = 'state-engine') =>
  createServiceClient(StateEngineService, { baseUrl, ...(signer ? { identity: { signer, audience } } : {}) });

/** A client that sends exactly this token. */
const withToken = (baseUrl: string, token: string) =>
  createServiceClient(StateEngineService, {
    baseUrl,
    interceptors: [
      (next) => (req) => {
        req.header.set(serviceTokenHeader, token);
        return next(req);
      },
    ],
  });

describe('service-to-service authentication', () => {
  let callee: { server: Server; logs: LogLine[]; baseUrl: string };
  const gatewaySigner = createServiceTokenSigner({ issuer: 'gateway', key: () => gateway.privateKey });
  beforeAll(async () => {
    const keys = publicKeyring(
      { OMTOBE_MODE: 'production', SERVICE_NAME: 'state-engine', SERVICE_PUBLIC_KEYS: `gateway=${spki(gateway.publicKey)},integrations=${spki(integrations.publicKey)}` },
      [],
    );
    callee = await startCallee(keys);
  });
  afterAll(() => callee.server.close(1_000));

  it("lets the gateway's calls through", async () => {
    await expect(client(callee.baseUrl, gatewaySigner).checkBrake({ userId: 'u1' })).resolves.toMatchObject({ shouldDisplay: true });
    await expect(client(callee.baseUrl, gatewaySigner).getState({ userId: 'u1' })).resolves.toMatchObject({ userId: 'u1' });
  });

  it('refuses a call without a token: UNAUTHENTICATED', async () => {
    expect((await rejection(client(callee.baseUrl).checkBrake({ userId: 'u1' }))).code).toBe(Code.Unauthenticated);
  });

  it('refuses an expired token: UNAUTHENTICATED', async () => {
    const { token } = mintServiceToken(gateway.privateKey, { iss: 'gateway', aud: 'state-engine' }, Date.now() - 120_000);
    const error = await rejection(withToken(callee.baseUrl, token).checkBrake({ userId: 'u1' }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/expired/);
  });

  it('refuses a token signed by a key it does not know, even one that claims to be the gateway: UNAUTHENTICATED', async () => {
    const forger = createServiceTokenSigner({ issuer: 'gateway', key: () => pair().privateKey });
    const error = await rejection(client(callee.baseUrl, forger).checkBrake({ userId: 'u1' }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/unknown key/);
  });

  it('refuses a token whose signature does not match the key its kid names: UNAUTHENTICATED', async () => {
    const { token } = mintServiceToken(gateway.privateKey, { iss: 'gateway', aud: 'state-engine' }, Date.now());
    const [header, payload] = token.split('.');
    const other = mintServiceToken(pair().privateKey, { iss: 'gateway', aud: 'state-engine' }, Date.now()).token.split('.')[2];
    expect((await rejection(withToken(callee.baseUrl, `${header}.${payload}.${other}`).checkBrake({ userId: 'u1' }))).code).toBe(Code.Unauthenticated);
  });

  it('refuses a token minted for another service: UNAUTHENTICATED', async () => {
    const error = await rejection(client(callee.baseUrl, gatewaySigner, 'decision-log').checkBrake({ userId: 'u1' }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/wrong audience/);
  });

  it('refuses a token that lives longer than a minute, and one with another algorithm: UNAUTHENTICATED', async () => {
    const { token } = mintServiceToken(gateway.privateKey, { iss: 'gateway', aud: 'state-engine' }, Date.now());
    const [, payload] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect((await rejection(withToken(callee.baseUrl, none).checkBrake({ userId: 'u1' }))).code).toBe(Code.Unauthenticated);
    expect((await rejection(withToken(callee.baseUrl, 'not-a-token').checkBrake({ userId: 'u1' }))).code).toBe(Code.Unauthenticated);
  });

  it('refuses a known caller on an RPC its allow-list does not name: PERMISSION_DENIED', async () => {
    const signer = createServiceTokenSigner({ issuer: 'integrations', key: () => integrations.privateKey });
    await expect(client(callee.baseUrl, signer).getState({ userId: 'u1' })).resolves.toMatchObject({ userId: 'u1' });
    const error = await rejection(client(callee.baseUrl, signer).checkBrake({ userId: 'u1' }));
    expect(error.code).toBe(Code.PermissionDenied);
    // A development control listed for nobody (production): not even the gateway.
    expect((await rejection(client(callee.baseUrl, gatewaySigner).setCycleDay({ userId: 'u1', day: 3 }))).code).toBe(Code.PermissionDenied);
  });

  it('logs each refusal with its reason, never the token', async () => {
    const { token } = mintServiceToken(gateway.privateKey, { iss: 'gateway', aud: 'other' }, Date.now());
    await rejection(withToken(callee.baseUrl, token).checkBrake({ userId: 'u1' }));
    const refusals = callee.logs.filter((line) => String(line.msg).startsWith('internal call refused'));
    expect(refusals.map((line) => line.reason ?? line.caller)).toEqual(expect.arrayContaining(['missing', 'expired', 'unknown_key', 'wrong_audience', 'integrations']));
    expect(JSON.stringify(callee.logs)).not.toContain(token);
  });

  it('leaves health open, and serves no reflection when told so (production)', async () => {
    const transport = createGrpcTransport({ baseUrl: callee.baseUrl });
    await expect(createClient(Health, transport).check({})).resolves.toMatchObject({ status: HealthCheckResponse_ServingStatus.SERVING });
    const reflection = createClient(ServerReflection, transport).serverReflectionInfo(
      (async function* () {
        yield { host: '', messageRequest: { case: 'listServices', value: '' } };
      })(),
    );
    const error = await rejection(
      (async () => {
        for await (const _ of reflection) return;
      })(),
    );
    expect(error.code).toBe(Code.Unimplemented);
  });
});

describe('key rotation', () => {
  it('accepts every key a caller has in the directory, and picks up a key published after start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'service-keys-'));
    try {
      const [first, second, third] = [pair(), pair(), pair()];
      writeFileSync(path.join(dir, 'gateway.pem'), pem(first.publicKey) + pem(second.publicKey));
      let keysClock = Date.now();
      const keys = publicKeyring({ OMTOBE_MODE: 'production', SERVICE_NAME: 'state-engine', SERVICE_PUBLIC_KEYS_DIR: dir }, [], () => keysClock);
      const callee = await startCallee(keys);
      try {
        for (const key of [first, second]) {
          const signer = createServiceTokenSigner({ issuer: 'gateway', key: () => key.privateKey });
          await expect(client(callee.baseUrl, signer).checkBrake({ userId: 'u1' })).resolves.toBeDefined();
        }
        // The operator publishes the next key (a new file in the mounted Secret): read again on its first use, once
        // the last read is a few seconds old (a stream of forged tokens cannot keep the service reading the disk).
        writeFileSync(path.join(dir, 'gateway.next.pem'), pem(third.publicKey));
        keysClock += 6_000;
        const signer = createServiceTokenSigner({ issuer: 'gateway', key: () => third.privateKey });
        await expect(client(callee.baseUrl, signer).checkBrake({ userId: 'u1' })).resolves.toBeDefined();
      } finally {
        await callee.server.close(1_000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createServiceTokenSigner', () => {
  it('reuses a token for most of its minute and mints a new one before it expires', () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const signer = createServiceTokenSigner({ issuer: 'gateway', key: () => gateway.privateKey, now: () => now });
    const first = signer.token('state-engine');
    now += 40_000;
    expect(signer.token('state-engine')).toBe(first);
    expect(signer.token('decision-log')).not.toBe(first);
    now += 10_000; // 50 s in: less than 15 s left
    expect(signer.token('state-engine')).not.toBe(first);
  });
});
