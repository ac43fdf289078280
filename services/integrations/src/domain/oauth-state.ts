import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A one-time OAuth `state`: 256 random bits, URL-safe. Only its hash is stored. */
export function newOAuthState(): string {
  return randomBytes(32).toString('base64url');
}

/** Hashes a secret that is looked up by value (OAuth states, push channel tokens). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Compares a presented secret with a stored hash in constant time. */
export function matchesSecretHash(secret: string, hash: string): boolean {
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A PKCE pair (RFC 7636, S256): the verifier stays here, its challenge goes into the authorization URL. */
export function newPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}
