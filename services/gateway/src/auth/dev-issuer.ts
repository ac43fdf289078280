import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { SigningKey } from '../store/dev-signing-keys.repo.ts';

export interface DevTokenIssuer {
  /** Mints a token for a user id, as an identity provider would after sign-in. */
  mint(userId: string, ttlSeconds?: number): Promise<{ token: string; expiresAt: Date }>;
  jwks: JSONWebKeySet;
  keys: JWTVerifyGetKey;
}

export const devSigningKeyId = 'omtobe-dev-1';

/** A new ES256 key pair for the development issuer. */
export async function makeDevSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid: devSigningKeyId, privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

/**
 * Development mode's identity provider: tokens for any user id signed with `key`, and its JWKS, so
 * `npm start` works without a real one. The key is kept in the gateway's database (keys.ts), so tokens
 * outlive a restarted gateway and work on every replica. It does not exist in production mode.
 */
export async function createDevTokenIssuer(options: { issuer: string; audience: string; now: () => Date; key: SigningKey }): Promise<DevTokenIssuer> {
  const { kid } = options.key;
  const privateKey = await importJWK(options.key.privateJwk, 'ES256');
  const jwks: JSONWebKeySet = { keys: [{ ...options.key.publicJwk, kid, alg: 'ES256', use: 'sig' }] };
  return {
    jwks,
    keys: createLocalJWKSet(jwks),
    async mint(userId, ttlSeconds = 24 * 3600) {
      const issuedAt = Math.floor(options.now().getTime() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(userId)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(privateKey);
      return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000) };
    },
  };
}
