import type { Db } from './database.ts';

/** Records a delivery's trace id; false when it was recorded before (a replay). */
export async function claimDelivery(db: Db, traceId: string, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('webhook_deliveries')
    .values({ trace_id: traceId, received_at: now })
    .onConflict((oc) => oc.column('trace_id').doNothing())
    .returning('trace_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Trace ids older than any redelivery (WHOOP retries for about an hour) are forgotten. */
export async function purgeDeliveries(db: Db, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('received_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
