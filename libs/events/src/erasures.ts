import { sql, type Kysely, type Transaction } from 'kysely';

export interface ErasuresTable {
  user_id: string;
  erased_at: Date;
}

export interface ErasureTables {
  erasures: ErasuresTable;
}

/**
 * Remembers, for a while, that a user was erased and when. Topics are not ordered with each other, so an event
 * written before the erasure can arrive after UserDeleted; the consumer drops every event of the user that
 * occurred before `erased_at`, so erasure sticks. Kept only as long as a late event could still arrive
 * (INBOX_RETENTION_DAYS); a user who registers again afterwards is not affected (their new events are later).
 * Call it before deleting the user's rows: it first takes the user's lock, so events of the user being applied
 * right now commit before the deletes run, and are deleted with the rest.
 */
export async function recordErasure<DB extends ErasureTables>(trx: Kysely<DB> | Transaction<DB>, userId: string, erasedAt: Date): Promise<void> {
  await lockUserForErasure(trx as unknown as Kysely<ErasureTables>, userId);
  await (trx as unknown as Kysely<ErasureTables>)
    .insertInto('erasures')
    .values({ user_id: userId, erased_at: erasedAt })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ erased_at: erasedAt }))
    .execute();
}

// One advisory lock per user id, in a space of its own. The consumer holds it shared while it checks and applies
// events of the user (lockUsersShared); an erasure holds it exclusively. So an erasure waits for events of the user
// being applied to commit (and then deletes what they wrote), and events wait for an erasure under way to commit
// (and then see its tombstone): no event slips in between the check and the erasure.
const userLock = (userId: unknown) => sql`hashtextextended('omtobe.user:' || ${userId}, 0)`;

/** Call first in the erasing transaction (recordErasure does): it waits for the user's events being applied. */
async function lockUserForErasure(trx: Kysely<ErasureTables>, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${userLock(userId)})`.execute(trx);
}

/** Holds, until the transaction ends, the users' locks shared: an erasure of any of them waits (see above). */
export async function lockUsersShared(trx: Kysely<ErasureTables>, userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)].sort();
  if (ids.length === 0) return;
  await sql`select pg_advisory_xact_lock_shared(${userLock(sql`k`)}) from unnest(${ids}::text[]) as k`.execute(trx);
}

/** The remembered erasures of several users, in one statement: user id → when. */
export async function erasuresOf(db: Kysely<ErasureTables>, userIds: readonly string[]): Promise<Map<string, Date>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('erasures').select(['user_id', 'erased_at']).where('user_id', 'in', [...new Set(userIds)]).execute();
  return new Map(rows.map((r) => [r.user_id, r.erased_at]));
}

export async function purgeErasures(db: Kysely<ErasureTables>, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('erasures').where('erased_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
