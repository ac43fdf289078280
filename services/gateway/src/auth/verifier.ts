import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface TokenVerifierOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
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

/** Verifies a bearer token's signature, issuer, audience and expiry; resolves to the user id (`sub`). */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match) throw new AuthenticationError('missing_token', 'an Authorization: Bearer token is required');
    try {
      const { payload } = await jwtVerify(match[1]!, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      });
      if (!payload.sub || payload.sub.length > 128) throw new AuthenticationError('invalid_token', 'the token has no usable subject');
      return payload.sub;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationError('expired_token', 'the token has expired');
      throw new AuthenticationError('invalid_token', 'the token is not valid for this API');
    }
  };
}
