import type { Kysely, Transaction } from 'kysely';

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
 */
export async function recordErasure<DB extends ErasureTables>(trx: Kysely<DB> | Transaction<DB>, userId: string, erasedAt: Date): Promise<void> {
  await (trx as unknown as Kysely<ErasureTables>)
    .insertInto('erasures')
    .values({ user_id: userId, erased_at: erasedAt })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ erased_at: erasedAt }))
    .execute();
}

/** When the user was last erased, if that is still remembered. */
export async function erasedAt(db: Kysely<ErasureTables>, userId: string): Promise<Date | undefined> {
  return (await erasuresOf(db, [userId])).get(userId);
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
