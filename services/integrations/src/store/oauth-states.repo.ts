import type { Selectable } from 'kysely';
import type { OAuthStatesTable } from './database.ts';
import type { Db } from './db.ts';

export type OAuthStateRow = Selectable<OAuthStatesTable>;

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
