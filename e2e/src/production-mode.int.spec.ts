// The whole stack as a deployment runs it (OMTOBE_MODE=production): tokens from an identity provider's JWKS over
// HTTPS (a local one, trusted through NODE_EXTRA_CA_CERTS), a secret token-encryption key and service keys of its
// own (tools/dev-stack `mode: 'production'`), real push credentials (iOS, against the fake APNs). What it shows:
// the development doors are shut — /api/v1/dev/* answers 404 and is not in the OpenAPI document, a token the
// development issuer would mint is refused — while the identity provider's token works on real routes.
// Refusals to start without JWKS_URL or TOKEN_ENCRYPTION_KEYS: tools/dev-stack/src/start-refusals.int.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createDatabase } from '@omtobe/db';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { FakeApns, makeTestCertificate } from '@omtobe/testing/fakes';
import { AppClient, type Json } from './support/app-client.ts';
import { startTestIdentityProvider, type TestIdentityProvider } from './support/tokens.ts';

// Every development route development mode's document declares, read from the client types generated from it
// (openapi/api.d.ts, held to the served document by the contract test): one added later is held to the same rule here.
const clientTypes = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'openapi/api.d.ts'), 'utf8');
const devRoutes = [...clientTypes.matchAll(/^ {4}"(\/api\/v1\/dev\/[^"]+)": \{\n([\s\S]*?)^ {4}\};/gm)].flatMap((block) =>
  [...block[2]!.matchAll(/^ {8}(get|post|put|patch|delete): operations\[/gm)].map((m) => ({ method: m[1]!.toUpperCase(), path: block[1]! })),
);

describe('the stack in production mode', () => {
  let stack: RunningTestStack;
  let idp: TestIdentityProvider;
  let apns: FakeApns;

  beforeAll(async () => {
    const certificate = makeTestCertificate();
    [idp, apns] = await Promise.all([startTestIdentityProvider({ tls: certificate }), FakeApns.start()]);
    stack = await startTestStack(
      {
        JWKS_URL: idp.jwksUrl,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: idp.audience,
        NODE_EXTRA_CA_CERTS: certificate.certFile,
        PUSH_PLATFORMS: 'ios',
        ...apns.env(),
      },
      { mode: 'production' },
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([idp?.close(), apns?.close()]);
  });

  it('answers 404 on every /api/v1/dev route, with or without a valid token', async () => {
    // The operations were found, every development path the file names among them (a new layout of the file fails here).
    expect(devRoutes.length).toBeGreaterThanOrEqual(7);
    const named = new Set([...clientTypes.matchAll(/^ {4}"(\/api\/v1\/dev\/[^"]+)"/gm)].map((m) => m[1]));
    expect(new Set(devRoutes.map((r) => r.path))).toEqual(named);
    const client = new AppClient(stack.gatewayUrl);
    client.useToken(await idp.token(`dev-prober-${randomUUID().slice(0, 8)}`));
    const anonymous = new AppClient(stack.gatewayUrl);
    const body = { user_id: 'anyone', drop_percent: 30, title: 'Board', minutes: 60, day: 4 };
    for (const route of devRoutes) {
      for (const caller of [anonymous, client]) {
        const reply = await caller.send(route.method, route.path, route.method === 'GET' ? undefined : body);
        expect({ route, status: reply.status, code: (reply.body.error as Json | undefined)?.code }).toEqual({ route, status: 404, code: 'not_found' });
        expect(reply.body).not.toHaveProperty('access_token');
      }
    }
  });

  it('leaves /api/v1/dev out of the OpenAPI document, which lists the real routes', async () => {
    const document = await new AppClient(stack.gatewayUrl).ok('GET', '/api/v1/openapi.json');
    const paths = Object.keys(document.paths as Json);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/state', '/api/v1/decisions', '/api/v1/me', '/api/v1/webhooks/whoop']));
    expect(paths.filter((p) => p.startsWith('/api/v1/dev/'))).toEqual([]);
    expect(JSON.stringify(document)).not.toContain('/api/v1/dev/');
  });

  it("takes the identity provider's token on real routes, fetching its keys from the JWKS", async () => {
    const client = new AppClient(stack.gatewayUrl);
    const userId = `prod-${randomUUID().slice(0, 8)}`;
    client.useToken(await idp.token(userId));
    const registered = await client.send('POST', '/api/v1/users', { email: 'prod@example.com', timezone: 'Europe/London' });
    expect([registered.status, registered.body]).toEqual([201, { user_id: userId, email: 'prod@example.com', timezone: 'Europe/London', created: true }]);
    const state = await client.send('GET', '/api/v1/state');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ current_day: 1 });
    expect(idp.jwksFetches()).toBeGreaterThanOrEqual(1);
  });

  it('refuses tokens the development issuer mints: its own issuer, or dressed as the identity provider', async () => {
    const userId = `forger-${randomUUID().slice(0, 8)}`;
    // As a development gateway mints them (JWT_ISSUER / JWT_AUDIENCE defaults, its key id, a key of its own) …
    const devMinted = await idp.token(userId, { issuer: 'omtobe-dev', audience: 'omtobe-app', kid: 'omtobe-dev-1', foreignKey: true });
    // … and with the identity provider's issuer and audience: only the key gives it away.
    const dressed = await idp.token(userId, { kid: 'omtobe-dev-1', foreignKey: true });
    for (const token of [devMinted, dressed]) {
      const client = new AppClient(stack.gatewayUrl);
      client.useToken(token);
      for (const [method, route, body] of [
        ['POST', '/api/v1/users', { email: 'forger@example.com', timezone: 'Europe/London' }],
        ['GET', '/api/v1/state', undefined],
      ] as const) {
        const reply = await client.send(method, route, body);
        expect({ route, status: reply.status, code: (reply.body.error as Json | undefined)?.code }).toEqual({ route, status: 401, code: 'invalid_token' });
      }
    }
    // And no development key exists to sign with: the production gateway never made one.
    const database = createDatabase<unknown>({ url: stack.databaseUrl, schema: 'gateway', poolMax: 1 });
    try {
      expect((await sql<{ kid: string }>`select kid from gateway.dev_signing_keys`.execute(database.db)).rows).toEqual([]);
    } finally {
      await database.close();
    }
    // Nothing was registered for the forged subject: the identity provider's token for it finds no profile.
    const owner = new AppClient(stack.gatewayUrl);
    owner.useToken(await idp.token(userId));
    const exported = await owner.send('GET', '/api/v1/me/export');
    expect({ status: exported.status, code: (exported.body.error as Json | undefined)?.code }).toEqual({ status: 404, code: 'user_not_registered' });
  });
});
