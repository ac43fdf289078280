import type { Selectable, Updateable } from 'kysely';
import type { Db } from './database.ts';
import type { GraphSubscriptionsTable } from './microsoft.table.ts';

export type GraphSubscriptionRow = Selectable<GraphSubscriptionsTable>;

export async function insertGraphSubscription(db: Db, row: GraphSubscriptionRow): Promise<void> {
  await db.insertInto('graph_subscriptions').values(row).execute();
}

export function findGraphSubscriptions(db: Db, subscriptionIds: readonly string[]): Promise<GraphSubscriptionRow[]> {
  if (subscriptionIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('graph_subscriptions').selectAll().where('subscription_id', 'in', [...subscriptionIds]).execute();
}

/** A user's subscriptions, the latest-expiring first. */
export function graphSubscriptionsOf(db: Db, userId: string): Promise<GraphSubscriptionRow[]> {
  return db.selectFrom('graph_subscriptions').selectAll().where('user_id', '=', userId).orderBy('expires_at', 'desc').execute();
}

export async function updateGraphSubscription(db: Db, subscriptionId: string, changes: Updateable<GraphSubscriptionsTable>): Promise<void> {
  await db.updateTable('graph_subscriptions').set(changes).where('subscription_id', '=', subscriptionId).execute();
}

export async function deleteGraphSubscription(db: Db, subscriptionId: string): Promise<void> {
  await db.deleteFrom('graph_subscriptions').where('subscription_id', '=', subscriptionId).execute();
}

export function deleteGraphSubscriptionsOf(db: Db, userId: string): Promise<GraphSubscriptionRow[]> {
  return db.deleteFrom('graph_subscriptions').where('user_id', '=', userId).returningAll().execute();
}

/** Users with a subscription expiring before `before`, or one Graph asked to reauthorize (renewal candidates). */
export async function usersWithGraphSubscriptionsToRenew(db: Db, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('graph_subscriptions')
    .select('user_id')
    .where((w) => w.or([w('expires_at', '<', before), w('reauthorize_requested_at', 'is not', null)]))
    .groupBy('user_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id);
}
