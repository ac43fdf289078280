import type { Logger } from '@omtobe/platform';
import type { ChannelRef } from '../../store/database.ts';
import { SubscriptionNotFoundError } from './graph-api.ts';
import { MicrosoftGrantError } from './microsoft-auth.ts';
import type { Microsoft } from './microsoft.ts';

/** How a Graph subscription rides the revocation queue's `channels` (ChannelRef): its id, and this marker. */
export const graphSubscriptionRef = (subscriptionId: string): ChannelRef => ({ id: subscriptionId, resourceId: 'graph-subscription' });

/** A user's subscriptions in the shape the revocation queue takes (operations/connections/revocation-queue.ts), so the worker deletes them with the grant. */
export const graphSubscriptionChannels = (rows: ReadonlyArray<{ subscription_id: string }>) =>
  rows.map((row) => {
    const ref = graphSubscriptionRef(row.subscription_id);
    return { channel_id: ref.id, resource_id: ref.resourceId };
  });

/**
 * The revocation worker's step for a Microsoft grant (disconnect, erasure, an unredeemed grant): the subscriptions
 * the disconnect took off the user are deleted at Graph with a fresh access token (already gone — 404 — is done).
 * The Microsoft identity platform has no endpoint that revokes one app's grant (RFC 7009): `revokeSignInSessions`
 * would sign the person out of every app and device, far more than a disconnect means. So the grant is dropped
 * here (the queue row is deleted with it) and lapses at Microsoft (refresh tokens expire after 90 days unused);
 * the person can remove the app at myapps.microsoft.com / account.live.com. A refused refresh means the grant is
 * gone already; its subscriptions then expire within three days and their notifications match nothing stored.
 */
export async function revokeMicrosoftGrant(ms: Microsoft, logger: Logger, grant: { refreshToken: string }, subscriptions: readonly ChannelRef[]): Promise<void> {
  if (subscriptions.length === 0) return;
  let accessToken: string;
  try {
    accessToken = (await ms.auth.refresh(grant.refreshToken)).accessToken;
  } catch (error) {
    if (error instanceof MicrosoftGrantError) return;
    throw error;
  }
  const session = ms.graph.session(accessToken);
  for (const sub of subscriptions) {
    try {
      await session.deleteSubscription(sub.id);
    } catch (error) {
      if (error instanceof SubscriptionNotFoundError) continue;
      logger.warn({ provider: 'microsoft', err: (error as Error).message }, 'deleting a Graph subscription failed; it will expire');
    }
  }
}
