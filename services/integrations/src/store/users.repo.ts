import { sql, type Selectable, type Transaction } from 'kysely';
import { lockUsersShared } from '@omtobe/events';
import type { Database, Db, KnownUsersTable } from './database.ts';

export type KnownUser = Selectable<KnownUsersTable>;

/** Remembers a registered user; a repeated registration changes nothing. True when new. */
export async function rememberUser(db: Db, userId: string, timezone: string, registeredAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('known_users')
    .values({ user_id: userId, timezone, registered_at: registeredAt, mock_drop_ratio: null, mock_drop_until: null })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setTimezone(db: Db, userId: string, timezone: string): Promise<void> {
  await db.updateTable('known_users').set({ timezone }).where('user_id', '=', userId).execute();
}

export function findKnownUser(db: Db, userId: string): Promise<KnownUser | undefined> {
  return db.selectFrom('known_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Known users in id order after `afterUserId`, a page at a time (the mock loop walks them all). */
export function knownUsersPage(db: Db, afterUserId: string, limit: number): Promise<KnownUser[]> {
  return db.selectFrom('known_users').selectAll().where('user_id', '>', afterUserId).orderBy('user_id').limit(limit).execute();
}

/**
 * Known users after `afterUserId` (in id order) with no mock reading measured after `since`: those the
 * mock stream owes a reading. One statement, an index probe per user, however many users are quiet.
 */
export function usersDueForMockReading(db: Db, since: Date, afterUserId: string, limit: number): Promise<KnownUser[]> {
  return db
    .selectFrom('known_users as k')
    .selectAll('k')
    .where('k.user_id', '>', afterUserId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('hrv_samples as s')
            .select(sql`1`.as('one'))
            .whereRef('s.user_id', '=', 'k.user_id')
            .where('s.source', '=', 'mock')
            .where('s.measured_at', '>', since),
        ),
      ),
    )
    .orderBy('k.user_id')
    .limit(limit)
    .execute();
}

export async function setMockDrop(db: Db, userId: string, ratio: number, until: Date): Promise<void> {
  await db.updateTable('known_users').set({ mock_drop_ratio: ratio, mock_drop_until: until }).where('user_id', '=', userId).execute();
}

/**
 * The user, read under the user's erasure lock held shared until the transaction ends (@omtobe/events
 * lockUsersShared): an erasure under way commits first and the user reads as unknown, or waits for this
 * transaction and deletes what it wrote. Two statements on purpose: the read must see what the lock waited for.
 */
export async function lockKnownUser(trx: Transaction<Database>, userId: string): Promise<KnownUser | undefined> {
  await lockUsersShared(trx as never, [userId]);
  return findKnownUser(trx, userId);
}
