import { describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError, createTokenVerifier } from './verifier.ts';

async function setup(cacheTtlSeconds = 300, policy: { algorithms?: string[]; typ?: string } = {}) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] });
  let clock = Date.now();
  let lookups = 0;
  const counting: JWTVerifyGetKey = (...args) => {
    lookups += 1;
    return keys(...args);
  };
  const verify = createTokenVerifier({
    keys: counting,
    issuer: 'i',
    audience: 'a',
    clockToleranceSeconds: 0,
    cacheTtlSeconds,
    now: () => clock,
    algorithms: policy.algorithms ?? ['ES256'],
    ...(policy.typ ? { typ: policy.typ } : {}),
  });
  const mint = (sub: string, expiresInSeconds: number, typ?: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', ...(typ ? { typ } : {}) })
      .setSubject(sub)
      .setIssuer('i')
      .setAudience('a')
      .setExpirationTime(Math.floor(clock / 1000) + expiresInSeconds)
      .sign(privateKey);
  return { verify, mint, lookups: () => lookups, advance: (ms: number) => (clock += ms) };
}

describe('token verifier', () => {
  it('checks a signature once per token while it is remembered', async () => {
    const t = await setup();
    const token = await t.mint('alice', 3600);
    expect(await t.verify(`Bearer ${token}`)).toBe('alice');
    expect(await t.verify(`Bearer ${token}`)).toBe('alice');
    expect(t.lookups()).toBe(1);
    t.advance(301_000); // past the cache TTL: verified again
    expect(await t.verify(`Bearer ${token}`)).toBe('alice');
    expect(t.lookups()).toBe(2);
  });

  it('never trusts a remembered token past its expiry', async () => {
    const t = await setup(3600);
    const token = await t.mint('bob', 60);
    expect(await t.verify(`Bearer ${token}`)).toBe('bob');
    t.advance(61_000);
    await expect(t.verify(`Bearer ${token}`)).rejects.toBeInstanceOf(AuthenticationError);
  });

  const refusal = (call: Promise<string>) => call.then(() => undefined, (e: AuthenticationError) => e.code);

  it('refuses a token signed with an algorithm outside the allow-list, even with a valid signature', async () => {
    const t = await setup(300, { algorithms: ['RS256'] });
    expect(await refusal(t.verify(`Bearer ${await t.mint('alice', 3600)}`))).toBe('invalid_token');
  });

  it('checks the typ header when the issuer sets one', async () => {
    const t = await setup(300, { typ: 'at+jwt' });
    expect(await t.verify(`Bearer ${await t.mint('alice', 3600, 'at+jwt')}`)).toBe('alice');
    expect(await refusal(t.verify(`Bearer ${await t.mint('bob', 3600, 'JWT')}`))).toBe('invalid_token');
    expect(await refusal(t.verify(`Bearer ${await t.mint('carol', 3600)}`))).toBe('invalid_token');
  });

  it('refuses a subject no service would take as a user id (the shared rule), at the door', async () => {
    const t = await setup();
    expect(await refusal(t.verify(`Bearer ${await t.mint('alice smith', 3600)}`))).toBe('invalid_token');
    expect(await refusal(t.verify(`Bearer ${await t.mint('x'.repeat(129), 3600)}`))).toBe('invalid_token');
    expect(await t.verify(`Bearer ${await t.mint('auth0|5f7c8ec7', 3600)}`)).toBe('auth0|5f7c8ec7');
  });
});
