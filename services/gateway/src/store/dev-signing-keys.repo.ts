import type { JWK } from 'jose';
import type { Db } from './database.ts';

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * The development signing key with this kid: the one stored, or `make()`'s, stored first. Gateways starting
 * together may each make one; the first insert wins and every one of them reads the winner.
 */
export async function loadOrCreateSigningKey(db: Db, kid: string, make: () => Promise<SigningKey>, now: Date): Promise<SigningKey> {
  const existing = await findSigningKey(db, kid);
  if (existing) return existing;
  const made = await make();
  await db
    .insertInto('dev_signing_keys')
    .values({ kid, private_jwk: made.privateJwk as Record<string, unknown>, public_jwk: made.publicJwk as Record<string, unknown>, created_at: now })
    .onConflict((oc) => oc.column('kid').doNothing())
    .execute();
  return (await findSigningKey(db, kid))!;
}

async function findSigningKey(db: Db, kid: string): Promise<SigningKey | undefined> {
  const row = await db.selectFrom('dev_signing_keys').select(['kid', 'private_jwk', 'public_jwk']).where('kid', '=', kid).executeTakeFirst();
  return row && { kid: row.kid, privateJwk: row.private_jwk as JWK, publicJwk: row.public_jwk as JWK };
}
