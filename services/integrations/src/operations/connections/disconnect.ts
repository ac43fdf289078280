import { publishWithdrawals } from '../ingest/hrv-samples.ts';
import { publishRemovals } from '../ingest/calendar-items.ts';
import { graphSubscriptionChannels } from '../../providers/microsoft/microsoft-revocation.ts';
import { deleteChannelsOf } from '../../store/channels.repo.ts';
import { deleteConnection, lockConnection } from '../../store/connections.repo.ts';
import type { ProviderName } from '../../store/database.ts';
import { deleteEventsFrom } from '../../store/calendar-events.repo.ts';
import { deleteGraphSubscriptionsOf } from '../../store/graph-subscriptions.repo.ts';
import { deleteSamplesFrom } from '../../store/samples.repo.ts';
import type { Deps } from '../deps.ts';
import { queueRevocation } from './revocation-queue.ts';

/**
 * Removes a provider connection: the grant is queued for revocation at the provider, the tokens are
 * deleted, and so is what came from the provider: its samples or events, each withdrawn downstream too,
 * so the state engine stops using them. Waits for a sync writing for this connection to finish first.
 */
export async function disconnect(deps: Deps, userId: string, provider: ProviderName): Promise<boolean> {
  const now = deps.clock.now();
  const removed = await deps.db.transaction().execute(async (trx) => {
    const connection = await lockConnection(trx, userId, provider);
    if (!connection) return false;
    // Google's push channels and Graph's subscriptions are stopped at the provider by the revocation worker.
    const channels =
      provider === 'google_calendar' ? await deleteChannelsOf(trx, userId) : provider === 'microsoft' ? graphSubscriptionChannels(await deleteGraphSubscriptionsOf(trx, userId)) : [];
    await queueRevocation(trx, deps.cipher, deps.logger, connection, channels, now);
    await deleteConnection(trx, userId, provider);
    if (provider === 'whoop') {
      await publishWithdrawals(trx, userId, await deleteSamplesFrom(trx, userId, 'whoop'), now);
    } else {
      await publishRemovals(trx, userId, (await deleteEventsFrom(trx, userId, provider === 'microsoft' ? 'microsoft' : 'google')).map((e) => e.event_id), now);
    }
    return true;
  });
  if (removed) {
    deps.logger.info({ user_id: userId, provider }, 'provider disconnected');
    deps.wake();
  }
  return removed;
}
