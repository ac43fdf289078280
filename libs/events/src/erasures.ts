import { sql, type Kysely, type Transaction } from 'kysely';

export interface ErasuresTable {
  user_id: string;
  erased_at: Date;
  /** The registration the erasure ended (UserDeleted.registered_at); null when the erasure did not say. */
  registered_at: Date | null;
}

export interface ErasureTables {
  erasures: ErasuresTable;
}

/** A remembered erasure: when, and which registration of the user it ended (when known). */
export interface Erasure {
  erasedAt: Date;
  registeredAt?: Date;
}

/** What a tombstone is checked against: when an event occurred, and the registration of its user it names, if any. */
export interface ErasableEvent {
  occurredAt: Date;
  registeredAt?: Date;
}

/**
 * Remembers, for a while, that a user was erased: when, and which registration it ended. Topics are not ordered
 * with each other, so an event of the erased user can arrive after UserDeleted; the consumer drops it (`erasedBy`),
 * so erasure sticks. Kept only as long as a late event could still arrive (INBOX_RETENTION_DAYS). Several erasures
 * of one user keep the latest time and registration. Call it before deleting the user's rows: it first takes the
 * user's lock, so events of the user being applied right now commit before the deletes run, and are deleted with
 * the rest.
 */
export async function recordErasure<DB extends ErasureTables>(trx: Kysely<DB> | Transaction<DB>, userId: string, erasure: Erasure): Promise<void> {
  const db = trx as unknown as Kysely<ErasureTables>;
  await lockUserForErasure(db, userId);
  await db
    .insertInto('erasures')
    .values({ user_id: userId, erased_at: erasure.erasedAt, registered_at: erasure.registeredAt ?? null })
    // greatest() ignores nulls: an erasure that names no registration keeps the one already known.
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        erased_at: sql<Date>`greatest(erasures.erased_at, excluded.erased_at)`,
        registered_at: sql<Date | null>`greatest(erasures.registered_at, excluded.registered_at)`,
      }),
    )
    .execute();
}

/**
 * Whether an erasure covers an event, so the event must be dropped. When both name a registration, the event is
 * dropped if its registration is not later than the erased one, whenever it occurred: a decision made between the
 * erasure request and its producer applying the erasure occurs after the erasure, yet belongs to the erased
 * registration. A new registration of the same user is later, so its events are kept. When either names none
 * (producers that predate the field, an erasure of a user without a profile), the event is dropped if it occurred
 * before the erasure.
 */
export function erasedBy(erasure: Erasure | undefined, event: ErasableEvent): boolean {
  if (erasure === undefined) return false;
  if (event.registeredAt !== undefined && erasure.registeredAt !== undefined) {
    return event.registeredAt.getTime() <= erasure.registeredAt.getTime();
  }
  return event.occurredAt.getTime() < erasure.erasedAt.getTime();
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

/** The remembered erasures of several users, in one statement, by user id. */
export async function erasuresOf(db: Kysely<ErasureTables>, userIds: readonly string[]): Promise<Map<string, Erasure>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('erasures').select(['user_id', 'erased_at', 'registered_at']).where('user_id', 'in', [...new Set(userIds)]).execute();
  return new Map(rows.map((r) => [r.user_id, { erasedAt: r.erased_at, ...(r.registered_at ? { registeredAt: r.registered_at } : {}) }]));
}

export async function purgeErasures(db: Kysely<ErasureTables>, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('erasures').where('erased_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
