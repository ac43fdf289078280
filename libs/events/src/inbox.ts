import { sql, type Kysely } from 'kysely';

export interface InboxTable {
  consumer: string;
  event_id: string;
  processed_at: Date;
}

export interface InboxTables {
  inbox: InboxTable;
}

/**
 * Claims an event for a consumer inside the caller's transaction: true the first time, false when the
 * effect already happened. Because the claim commits or rolls back with the effect, redelivery after a
 * crash (effect done, offset not committed) finds the claim and does nothing.
 */
export async function claimEvent<DB extends InboxTables>(trx: Kysely<DB>, consumer: string, eventId: string): Promise<boolean> {
  return (await claimEvents(trx, consumer, [eventId])).has(eventId);
}

/** Claims several events in one statement; returns the ids claimed now (the others were handled before). */
export async function claimEvents<DB extends InboxTables>(trx: Kysely<DB>, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return new Set();
  // Kysely's database types are invariant; the constraint above guarantees the inbox table exists.
  const inserted = await (trx as unknown as Kysely<InboxTables>)
    .insertInto('inbox')
    .values(unique.map((eventId) => ({ consumer, event_id: eventId, processed_at: sql<Date>`now()` })))
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .execute();
  return new Set(inserted.map((r) => r.event_id));
}

/** Forgets claims older than the window in which Kafka could still redeliver them. */
export async function purgeInbox<DB extends InboxTables>(db: Kysely<DB>, olderThan: Date): Promise<number> {
  const result = await (db as unknown as Kysely<InboxTables>).deleteFrom('inbox').where('processed_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
