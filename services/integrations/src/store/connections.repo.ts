import { sql, type Insertable, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { ConnectionsTable, Database, Db, ProviderName } from './database.ts';
import { dueUnleased } from './lease.ts';

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
export function lockConnection(trx: Transaction<Database>, userId: string, provider: ProviderName): Promise<ConnectionRow | undefined> {
  return trx.selectFrom('connections').selectAll().where('user_id', '=', userId).where('provider', '=', provider).forUpdate().executeTakeFirst();
}

/**
 * Holds the connection while a sync writes what it fetched: a disconnect or an erasure waits for the write,
 * and a write after them finds no connection and is dropped, so no sample outlives its user.
 */
export async function holdConnection(trx: Transaction<Database>, userId: string, provider: ProviderName): Promise<boolean> {
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
 * different connections (SKIP LOCKED). The next sync is planned for the lease's end, so a replica that
 * dies mid-sync leaves the connection due again; a request made during the sync moves it earlier.
 */
export function claimDueConnections(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<ConnectionRow[]> {
  return db
    .updateTable('connections')
    .set({ sync_lease_until: leaseUntil, sync_due_at: leaseUntil })
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('user_id', 'provider'),
        'in',
        dueUnleased(
          selectFrom('connections as due').select(['due.user_id', 'due.provider']).where('due.status', '=', 'active'),
          { dueAt: 'due.sync_due_at', leaseUntil: 'due.sync_lease_until' },
          now,
          limit,
        ).$asTuple('user_id', 'provider'),
      ),
    )
    .returningAll()
    .execute();
}

/** Connections whose tokens were encrypted with another key than the current one. */
export function connectionsWithOtherKey(db: Db, currentKeyId: string, limit: number): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().where('key_id', '<>', currentKeyId).limit(limit).execute();
}

/** Our users connected to one provider account (webhooks name the provider's account, not our user). */
export async function usersOfProviderAccount(db: Db, provider: ProviderName, providerUserId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .select('user_id')
    .where('provider', '=', provider)
    .where('provider_user_id', '=', providerUserId)
    .execute();
  return rows.map((r) => r.user_id);
}

/**
 * Ends a claimed sync: plans the next one at `next` unless a sync was requested while this one ran
 * (then that request stands), or at `next` regardless when `force` (a provider's Retry-After).
 *
 * Only while the claim is still the caller's: `leaseUntil`, the lease it claimed, is the row's lease until the
 * claim finishes, a successor claims the connection once the lease has ended (its own lease then ends later, so
 * it never equals this one), or a reconnection clears it. A replica whose sync outlived its lease changes nothing
 * then — neither the successor's lease nor the outcome the successor writes. Returns whether it finished.
 */
export async function finishSync(
  db: Db,
  claim: { userId: string; provider: ProviderName; leaseUntil: Date },
  next: Date | null,
  changes: Updateable<ConnectionsTable>,
  force = false,
): Promise<boolean> {
  const keepRequest = sql<boolean>`sync_due_at < ${claim.leaseUntil}`;
  const result = await db
    .updateTable('connections')
    .set({
      ...changes,
      sync_lease_until: null,
      sync_due_at: force || next === null ? next : sql<Date>`case when ${keepRequest} then sync_due_at else ${next}::timestamptz end`,
    })
    .where('user_id', '=', claim.userId)
    .where('provider', '=', claim.provider)
    .where('sync_lease_until', '=', claim.leaseUntil)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
