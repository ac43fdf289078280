// Service tokens: the identity one Omtobe service shows another on every internal call.
//
// Why signed tokens and not mTLS: the services speak cleartext HTTP/2 behind NetworkPolicies, the same code runs
// under `npm start`, test stacks, compose and Kubernetes, and a token needs no TLS setup in any of them (no CA, no
// certificate per replica, no SAN per Service name) while still naming the caller (iss) and the one callee it is
// good for (aud), which a check per RPC can read. The cost is a signature per minute per peer on the caller and a
// verification per new token on the callee (verified tokens are remembered until they expire).
//
// Format: a compact JWT signed with Ed25519 (`alg: EdDSA`, `typ: JWT`, `kid` = the key's thumbprint) holding iss
// (the caller's SERVICE_NAME), aud (the callee's), iat and exp (at most 60 s later). node:crypto signs and
// verifies; nothing else is trusted: the algorithm is fixed, not read from the token.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const serviceTokenHeader = 'omtobe-service-token';

/** A token lives this long; the caller mints a new one once less than `remintBeforeSeconds` is left. */
export const serviceTokenLifetimeSeconds = 60;
export const remintBeforeSeconds = 15;
/** Tolerance for clocks that differ between pods (on iat and exp). */
export const clockSkewSeconds = 10;

export interface ServiceTokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/** The public key's thumbprint (SHA-256 of its SPKI form, base64url, 22 characters): the token's `kid`. */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 22);
}

export function mintServiceToken(key: KeyObject, claims: { iss: string; aud: string }, nowMs: number): { token: string; claims: ServiceTokenClaims } {
  const iat = Math.floor(nowMs / 1000);
  const full: ServiceTokenClaims = { iss: claims.iss, aud: claims.aud, iat, exp: iat + serviceTokenLifetimeSeconds };
  const header = encode({ alg: 'EdDSA', typ: 'JWT', kid: keyId(key) });
  const payload = encode(full);
  const signature = sign(null, Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return { token: `${header}.${payload}.${signature}`, claims: full };
}

/** Why a token was refused: the reason is logged and answered; it never holds the token itself. */
export type ServiceTokenRefusal = 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_audience' | 'expired' | 'not_yet_valid' | 'lifetime_too_long';

export class ServiceTokenError extends Error {
  readonly reason: ServiceTokenRefusal;

  constructor(reason: ServiceTokenRefusal) {
    super(`service token refused: ${reason.replaceAll('_', ' ')}`);
    this.name = 'ServiceTokenError';
    this.reason = reason;
  }
}

/** Public keys by caller name, then by key id. Several keys per caller: the old and the new one while a key rotates. */
export interface ServicePublicKeys {
  keysFor(issuer: string): ReadonlyMap<string, KeyObject> | undefined;
}

/**
 * Verifies a token for `audience` at `nowMs`: the signature against the issuer's keys (the one its kid names),
 * then the audience, then the times. Throws ServiceTokenError; returns the claims.
 */
export function verifyServiceToken(token: string, options: { audience: string; keys: ServicePublicKeys; nowMs: number }): ServiceTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 2_048) throw new ServiceTokenError('malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decode(headerPart);
  const claims = decode(payloadPart);
  if (header?.alg !== 'EdDSA' || header.typ !== 'JWT' || claims === undefined) throw new ServiceTokenError('malformed');
  const { iss, aud, iat, exp } = claims;
  if (typeof iss !== 'string' || typeof aud !== 'string' || !Number.isInteger(iat) || !Number.isInteger(exp)) throw new ServiceTokenError('malformed');

  const keys = options.keys.keysFor(iss);
  const key = typeof header.kid === 'string' ? keys?.get(header.kid) : undefined;
  if (key === undefined) throw new ServiceTokenError('unknown_key');
  if (!verify(null, Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'))) throw new ServiceTokenError('bad_signature');

  if (aud !== options.audience) throw new ServiceTokenError('wrong_audience');
  const now = options.nowMs / 1000;
  if ((exp as number) + clockSkewSeconds < now) throw new ServiceTokenError('expired');
  if ((iat as number) - clockSkewSeconds > now) throw new ServiceTokenError('not_yet_valid');
  if ((exp as number) - (iat as number) > serviceTokenLifetimeSeconds) throw new ServiceTokenError('lifetime_too_long');
  return { iss, aud, iat: iat as number, exp: exp as number };
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
