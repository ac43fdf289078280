import { createRemoteJWKSet } from 'jose';
import type { Kysely } from 'kysely';
import type { Clock } from '@omtobe/platform';
import type { Config } from '../config.ts';
import type { Database } from '../store/database.ts';
import { loadOrCreateSigningKey } from '../store/dev-signing-keys.repo.ts';
import { createDevTokenIssuer, devSigningKeyId, makeDevSigningKey, type DevTokenIssuer } from './dev-issuer.ts';
import { createTokenVerifier, type TokenVerifier } from './verifier.ts';

/**
 * The token verifier: the identity provider's JWKS (JWKS_URL, cached and refreshed by jose), or in
 * development mode without one, the gateway's own development issuer.
 */
export async function createAuthentication(config: Config, clock: Clock, db: Kysely<Database>): Promise<{ verify: TokenVerifier; devIssuer?: DevTokenIssuer }> {
  const devIssuer =
    config.OMTOBE_MODE === 'development'
      ? await createDevTokenIssuer({
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          now: () => clock.now(),
          key: await loadOrCreateSigningKey(db, devSigningKeyId, makeDevSigningKey, clock.now()),
        })
      : undefined;
  const keys = config.JWKS_URL ? createRemoteJWKSet(new URL(config.JWKS_URL)) : devIssuer!.keys;
  const verify = createTokenVerifier({
    keys,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockToleranceSeconds: config.JWT_CLOCK_SKEW_SECONDS,
    // The development issuer signs with ES256 alone.
    algorithms: config.JWKS_URL ? config.JWT_ALGORITHMS : ['ES256'],
    ...(config.JWT_TYP ? { typ: config.JWT_TYP } : {}),
    cacheSize: config.TOKEN_CACHE_SIZE,
    cacheTtlSeconds: config.TOKEN_CACHE_SECONDS,
  });
  return { verify, ...(devIssuer ? { devIssuer } : {}) };
}
