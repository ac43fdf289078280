import type { Insertable, Selectable } from 'kysely';
import type { Db, PushDeliveriesTable, PushKindName, PushStatus } from './database.ts';
import { dueUnleased } from './lease.ts';

export type DeliveryRow = Selectable<PushDeliveriesTable>;

/** Inserts the pushes of a transition; the ones already there (a redelivered transition) are left alone. Returns how many are new. */
export async function insertDeliveries(db: Db, rows: ReadonlyArray<Insertable<PushDeliveriesTable>>): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('push_deliveries')
    .values([...rows])
    .onConflict((oc) => oc.columns(['transition_id', 'device_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Cancels the user's pending pushes of a kind (of one event, when given): what was withdrawn is never delivered late. */
export async function cancelPending(db: Db, userId: string, kind: PushKindName, now: Date, eventId?: string): Promise<number> {
  let query = db
    .updateTable('push_deliveries')
    .set({ status: 'cancelled', finished_at: now, lease_until: null })
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('status', '=', 'pending');
  if (eventId !== undefined) query = query.where('event_id', '=', eventId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends the pending pushes of devices that are gone (removed, moved to another user, or disowned by the push service). */
export async function finishPendingOfDevices(db: Db, deviceIds: readonly string[], status: Extract<PushStatus, 'cancelled' | 'device_gone'>, now: Date): Promise<number> {
  if (deviceIds.length === 0) return 0;
  const result = await db
    .updateTable('push_deliveries')
    .set({ status, finished_at: now, lease_until: null })
    .where('device_id', 'in', [...deviceIds])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Claims due pending pushes with a lease (FOR UPDATE SKIP LOCKED, as syncs and revocations are claimed): replicas
 * share them, and a crashed replica's rows are taken up when their lease ends.
 */
export function claimDueDeliveries(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<DeliveryRow[]> {
  return db
    .updateTable('push_deliveries')
    .set({ lease_until: leaseUntil })
    .where('delivery_id', 'in', (eb) =>
      dueUnleased(
        eb.selectFrom('push_deliveries as due').select('due.delivery_id').where('due.status', '=', 'pending'),
        { dueAt: 'due.due_at', leaseUntil: 'due.lease_until' },
        now,
        limit,
      ),
    )
    .returningAll()
    .execute();
}

/**
 * Records a try's result. Only a row still pending changes: one cancelled (a withdrawn brake) or erased while its
 * send was under way stays as it is. And only under the lease it was claimed with (`leaseUntil`): a replica whose
 * send outlived its lease (another replica may have claimed the row since, with a lease ending later) neither
 * clears that replica's lease nor overwrites its outcome. Returns whether it was recorded.
 */
export async function recordAttempt(
  db: Db,
  claim: { deliveryId: string; leaseUntil: Date },
  change: { status: PushStatus; now: Date; dueAt?: Date; error?: string; counted: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('push_deliveries')
    .set((eb) => ({
      status: change.status,
      lease_until: null,
      ...(change.counted ? { attempts: eb('attempts', '+', 1) } : {}),
      ...(change.dueAt ? { due_at: change.dueAt } : {}),
      ...(change.error !== undefined ? { last_error: change.error } : {}),
      ...(change.status !== 'pending' ? { finished_at: change.now } : {}),
    }))
    .where('delivery_id', '=', claim.deliveryId)
    .where('status', '=', 'pending')
    .where('lease_until', '=', claim.leaseUntil)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Retention: finished pushes after `finishedBefore`, dead letters after `deadBefore`. */
export async function purgeFinishedDeliveries(db: Db, finishedBefore: Date, deadBefore: Date): Promise<number> {
  const finished = await db
    .deleteFrom('push_deliveries')
    .where('status', 'in', ['sent', 'expired', 'cancelled', 'device_gone'])
    .where('finished_at', '<', finishedBefore)
    .executeTakeFirst();
  const dead = await db.deleteFrom('push_deliveries').where('status', '=', 'dead').where('finished_at', '<', deadBefore).executeTakeFirst();
  return Number(finished.numDeletedRows) + Number(dead.numDeletedRows);
}

/** Whether the row is still pending under another lease than `leaseUntil` (an unrecorded try lost its lease; otherwise the row was finished meanwhile). */
export async function leasedToAnother(db: Db, deliveryId: string, leaseUntil: Date): Promise<boolean> {
  const row = await db.selectFrom('push_deliveries').select(['status', 'lease_until']).where('delivery_id', '=', deliveryId).executeTakeFirst();
  return row?.status === 'pending' && row.lease_until?.getTime() !== leaseUntil.getTime();
}

export function deliveriesOf(db: Db, userId: string): Promise<DeliveryRow[]> {
  return db.selectFrom('push_deliveries').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}
