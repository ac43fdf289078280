import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface DevTokenIssuer {
  /** Mints a token for a user id, as an identity provider would after sign-in. */
  mint(userId: string, ttlSeconds?: number): Promise<{ token: string; expiresAt: Date }>;
  jwks: JSONWebKeySet;
  keys: JWTVerifyGetKey;
}

/**
 * Development mode's identity provider: a key pair made at start, tokens for any user id, and its JWKS, so
 * `npm start` works without a real one. It does not exist in production mode.
 */
export async function createDevTokenIssuer(options: { issuer: string; audience: string; now: () => Date }): Promise<DevTokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'omtobe-dev-1';
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
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
