import type { Logger } from '@omtobe/platform';
import type { TokenCipher } from '../../domain/token-cipher.ts';
import { graphSubscriptionChannels } from '../../providers/microsoft/microsoft-revocation.ts';
import { channelsOf } from '../../store/channels.repo.ts';
import { connectionsOf } from '../../store/connections.repo.ts';
import type { Db } from '../../store/database.ts';
import { deleteUserEverywhere } from '../../store/erase.repo.ts';
import { graphSubscriptionsOf } from '../../store/graph-subscriptions.repo.ts';
import { revokeGrantsOf } from './oauth-grants.ts';
import { queueRevocation } from './revocation-queue.ts';

/**
 * Erasure (users.v1 UserDeleted), in the consumer's transaction: every provider grant is queued for
 * revocation (best effort, by the worker), OAuth grants waiting for redemption too, then every row of the user goes: tokens, samples, events,
 * channels, Graph subscriptions, pending OAuth states and grants, and the user's unpublished events in the outbox.
 */
export async function eraseUser(trx: Db, cipher: TokenCipher, logger: Logger, userId: string, now: Date): Promise<void> {
  const channels = await channelsOf(trx, userId);
  const subscriptions = graphSubscriptionChannels(await graphSubscriptionsOf(trx, userId));
  for (const connection of await connectionsOf(trx, userId)) {
    const stops = connection.provider === 'google_calendar' ? channels : connection.provider === 'microsoft' ? subscriptions : [];
    await queueRevocation(trx, cipher, logger, connection, stops, now);
  }
  await revokeGrantsOf(trx, cipher, logger, userId, now);
  await deleteUserEverywhere(trx, userId);
  logger.info({ user_id: userId }, 'user erased');
}
