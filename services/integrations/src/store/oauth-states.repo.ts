import type { Selectable } from 'kysely';
import type { Db, OAuthGrantsTable, OAuthStatesTable } from './database.ts';

export type OAuthStateRow = Selectable<OAuthStatesTable>;
export type OAuthGrantRow = Selectable<OAuthGrantsTable>;

export async function insertState(db: Db, row: OAuthStateRow): Promise<void> {
  await db.insertInto('oauth_states').values(row).execute();
}

/** Takes a state out of the table: each one is good for one callback, expired or not. */
export function takeState(db: Db, stateHash: string): Promise<OAuthStateRow | undefined> {
  return db.deleteFrom('oauth_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
}

export async function purgeExpiredStates(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('oauth_states').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertGrant(db: Db, row: OAuthGrantRow): Promise<void> {
  await db.insertInto('oauth_grants').values(row).execute();
}

/** Takes a kept-aside grant out by its code's hash: each code is presented once, by whoever, expired or not. */
export function takeGrant(db: Db, codeHash: string): Promise<OAuthGrantRow | undefined> {
  return db.deleteFrom('oauth_grants').where('code_hash', '=', codeHash).returningAll().executeTakeFirst();
}

/** Takes out the grants nobody redeemed in time (their revocation is the caller's). */
export function takeExpiredGrants(db: Db, now: Date, limit: number): Promise<OAuthGrantRow[]> {
  return db
    .deleteFrom('oauth_grants')
    .where('code_hash', 'in', (q) => q.selectFrom('oauth_grants').select('code_hash').where('expires_at', '<', now).limit(limit))
    .returningAll()
    .execute();
}

export function grantsOf(db: Db, userId: string): Promise<OAuthGrantRow[]> {
  return db.selectFrom('oauth_grants').selectAll().where('user_id', '=', userId).execute();
}
