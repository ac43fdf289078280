import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { userIdProblem } from '@omtobe/rules';

export interface TokenVerifierOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** The signature algorithms accepted (JWT_ALGORITHMS): a token signed otherwise is refused, whatever its key says. */
  algorithms: readonly string[];
  /** The `typ` header the issuer sets (e.g. "at+jwt", RFC 9068), checked when given. */
  typ?: string;
  /** Verified tokens remembered (the app repeats one token every minute); 0 turns the cache off. */
  cacheSize?: number;
  /** How long a verified token is trusted without checking its signature again (never past its expiry). */
  cacheTtlSeconds?: number;
  now?: () => number;
}

/** Why a request is not authenticated: the REST layer answers 401 with this code. */
export class AuthenticationError extends Error {
  readonly code: 'missing_token' | 'invalid_token' | 'expired_token';
  constructor(code: AuthenticationError['code'], message: string) {
    super(message);
    this.name = 'AuthenticationError';
    this.code = code;
  }
}

export type TokenVerifier = (authorization: string | undefined) => Promise<string>;

/**
 * Verifies a bearer token's signature, issuer, audience and expiry; resolves to the user id (`sub`).
 * A verified token is remembered for a short while (at most until it expires), so the signature check —
 * the costliest part of a brake check at the gateway — runs once per token rather than once per poll.
 * The cache is keyed by the token's SHA-256, not the token: a sixth of the memory, and no usable bearer
 * token kept in the heap.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const cacheSize = options.cacheSize ?? 50_000;
  const ttlMs = (options.cacheTtlSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, { sub: string; until: number }>();
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match) throw new AuthenticationError('missing_token', 'an Authorization: Bearer token is required');
    const token = match[1]!;
    const key = cacheSize > 0 ? createHash('sha256').update(token).digest('base64url') : '';
    const hit = verified.get(key);
    if (hit && hit.until > now()) return hit.sub;
    if (hit) verified.delete(key);
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        currentDate: new Date(now()),
        requiredClaims: ['sub', 'exp'],
        algorithms: [...options.algorithms],
        ...(options.typ ? { typ: options.typ } : {}),
      });
      // The subject is the user id of every service: the same rule here as there, so a subject no service would
      // take is refused at the door (401) rather than as a 422 from behind it.
      if (!payload.sub || userIdProblem(payload.sub) !== undefined) throw new AuthenticationError('invalid_token', 'the token has no usable subject');
      if (cacheSize > 0) {
        // Oldest first: a Map keeps insertion order, so the first key is the one to let go.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(key, { sub: payload.sub, until: Math.min(now() + ttlMs, payload.exp! * 1000) });
      }
      return payload.sub;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationError('expired_token', 'the token has expired');
      throw new AuthenticationError('invalid_token', 'the token is not valid for this API');
    }
  };
}
