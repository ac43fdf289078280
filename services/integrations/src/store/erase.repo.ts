import { sql } from 'kysely';
import type { Database, Db } from './database.ts';

/** Every table of the schema that holds rows of a user, by its user column. */
const userTables: Array<keyof Database> = ['known_users', 'hrv_samples', 'calendar_events', 'connections', 'oauth_states', 'oauth_grants', 'calendar_channels', 'graph_subscriptions', 'devices', 'push_deliveries'];

/**
 * Erasure: every row of the user (devices and their pushes, dead letters included), and the user's events still waiting in the outbox (they may carry
 * event titles, and the user's data must not reach other services after their erasure). Revocations
 * hold no user id, and the inbox holds only event ids.
 */
export async function deleteUserEverywhere(db: Db, userId: string): Promise<void> {
  for (const table of userTables) {
    await db.deleteFrom(table).where('user_id', '=', userId).execute();
  }
  await sql`delete from outbox where key = ${userId}`.execute(db);
}
