import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { ConnectionsTable, ProviderName } from './database.ts';
import type { Db } from './db.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;

/** A new connection, or a reconnection replacing the previous grant and its sync state. */
export async function saveConnection(db: Db, row: Insertable<ConnectionsTable>): Promise<void> {
  const { user_id: _user, provider: _provider, ...rest } = row;
  await db
    .insertInto('connections')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'provider']).doUpdateSet({ ...rest, sync_failures: 0 }))
    .execute();
}

export function findConnection(db: Db, userId: string, provider: ProviderName): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
}

/** Reads and locks the connection for the rest of the transaction (token refreshes of one grant serialize here). */
export function lockConnection(trx: Db, userId: string, provider: ProviderName): Promise<ConnectionRow | undefined> {
  return trx.selectFrom('connections').selectAll().where('user_id', '=', userId).where('provider', '=', provider).forUpdate().executeTakeFirst();
}

/**
 * Holds the connection while a sync writes what it fetched: a disconnect or an erasure waits for the write,
 * and a write after them finds no connection and is dropped, so no sample outlives its user.
 */
export async function holdConnection(trx: Db, userId: string, provider: ProviderName): Promise<boolean> {
  const row = await trx
    .selectFrom('connections')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .forShare()
    .executeTakeFirst();
  return row !== undefined;
}

export async function updateConnection(db: Db, userId: string, provider: ProviderName, changes: Updateable<ConnectionsTable>): Promise<void> {
  await db.updateTable('connections').set(changes).where('user_id', '=', userId).where('provider', '=', provider).execute();
}

export function deleteConnection(db: Db, userId: string, provider: ProviderName): Promise<ConnectionRow | undefined> {
  return db.deleteFrom('connections').where('user_id', '=', userId).where('provider', '=', provider).returningAll().executeTakeFirst();
}

export function connectionsOf(db: Db, userId: string): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().where('user_id', '=', userId).orderBy('provider').execute();
}

/** Asks for a sync no later than `at` (an earlier plan stands). */
export async function requestSync(db: Db, where: { userId: string; provider: ProviderName } | { provider: ProviderName; providerUserId: string }, at: Date): Promise<number> {
  let query = db
    .updateTable('connections')
    .set({ sync_due_at: sql<Date>`least(coalesce(sync_due_at, ${at}), ${at})` })
    .where('provider', '=', where.provider)
    .where('status', '=', 'active');
  query = 'userId' in where ? query.where('user_id', '=', where.userId) : query.where('provider_user_id', '=', where.providerUserId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Claims up to `limit` connections whose sync is due, leasing them until `leaseUntil`: replicas take
 * different connections (SKIP LOCKED), and a replica that dies mid-sync frees its lease by expiry.
 */
export function claimDueConnections(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<ConnectionRow[]> {
  return db
    .updateTable('connections')
    .set({ sync_lease_until: leaseUntil })
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('user_id', 'provider'),
        'in',
        selectFrom('connections as due')
          .select(['due.user_id', 'due.provider'])
          .where('due.status', '=', 'active')
          .where('due.sync_due_at', '<=', now)
          .where((w) => w.or([w('due.sync_lease_until', 'is', null), w('due.sync_lease_until', '<', now)]))
          .orderBy('due.sync_due_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      ),
    )
    .returningAll()
    .execute();
}

/** Connections whose tokens were encrypted with another key than the current one. */
export function connectionsWithOtherKey(db: Db, currentKeyId: string, limit: number): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().where('key_id', '<>', currentKeyId).limit(limit).execute();
}
