import { newOAuthState, secretHash } from '../../domain/oauth-state.ts';
import { holdConnection, requestSync } from '../../store/connections.repo.ts';
import {
  deleteGraphSubscription,
  graphSubscriptionsOf,
  insertGraphSubscription,
  updateGraphSubscription,
  usersWithGraphSubscriptionsToRenew,
} from '../../store/graph-subscriptions.repo.ts';
import { SubscriptionNotFoundError, type GraphSession } from './graph-api.ts';
import type { Deps } from '../../operations/deps.ts';
import { microsoftProvider } from './microsoft.ts';
import { microsoftOf, type MicrosoftDeps } from './microsoft-deps.ts';

export type SubscriptionOutcome = 'none' | 'kept' | 'renewed' | 'created';

/**
 * Keeps one change-notification subscription on the user's events open (when a webhook address is configured).
 * Outlook event subscriptions live under three days (4,230 minutes), so the newest one is renewed in place
 * (PATCH expirationDateTime) once it expires within the renewal margin, or at once when Graph asked for
 * reauthorization; Graph's answer is the expiry kept. One Graph no longer has (404) is forgotten and a new one
 * created: a random `clientState` (256 bits, 43 characters, under Graph's 128) of which only the sha256 is kept.
 * Graph validates the notification URL before it answers the create (notifications/graph-notifications.ts echoes it).
 */
export async function ensureGraphSubscription(deps: MicrosoftDeps, userId: string, session: GraphSession): Promise<SubscriptionOutcome> {
  const { settings } = deps.microsoft;
  if (!settings.webhookUrl) return 'none';
  const now = deps.clock.now();
  const [newest, ...older] = await graphSubscriptionsOf(deps.db, userId);
  const wanted = new Date(now.getTime() + settings.subscriptionTtlMs);
  let outcome: SubscriptionOutcome | undefined;
  if (newest) {
    if (!newest.reauthorize_requested_at && newest.expires_at.getTime() > now.getTime() + settings.subscriptionRenewBeforeMs) {
      outcome = 'kept';
    } else {
      try {
        const expiresAt = await session.renewSubscription(newest.subscription_id, wanted);
        await updateGraphSubscription(deps.db, newest.subscription_id, { expires_at: expiresAt, renewed_at: now, reauthorize_requested_at: null });
        deps.logger.info({ user_id: userId, provider: 'microsoft', reauthorized: newest.reauthorize_requested_at !== null }, 'Graph subscription renewed');
        outcome = 'renewed';
      } catch (error) {
        if (!(error instanceof SubscriptionNotFoundError)) throw error;
        await deleteGraphSubscription(deps.db, newest.subscription_id);
      }
    }
  }
  outcome ??= await createSubscription(deps, userId, session, wanted);
  for (const old of older) {
    await session.deleteSubscription(old.subscription_id).catch((error: unknown) => {
      deps.logger.warn({ user_id: userId, provider: 'microsoft', err: (error as Error).message }, 'deleting an older Graph subscription failed; it will expire');
    });
    await deleteGraphSubscription(deps.db, old.subscription_id);
  }
  return outcome;
}

async function createSubscription(deps: MicrosoftDeps, userId: string, session: GraphSession, wanted: Date): Promise<SubscriptionOutcome> {
  const now = deps.clock.now();
  const clientState = newOAuthState();
  const created = await session.createSubscription({ notificationUrl: deps.microsoft.settings.webhookUrl!, clientState, expiresAt: wanted });
  const kept = await deps.db.transaction().execute(async (trx) => {
    // Disconnected meanwhile: the new subscription must not outlive the connection.
    if (!(await holdConnection(trx, userId, microsoftProvider))) return false;
    await insertGraphSubscription(trx, {
      subscription_id: created.id,
      user_id: userId,
      client_state_hash: secretHash(clientState),
      expires_at: created.expiresAt,
      created_at: now,
      renewed_at: null,
      reauthorize_requested_at: null,
    });
    return true;
  });
  if (!kept) {
    await session.deleteSubscription(created.id).catch(() => undefined);
    return 'none';
  }
  deps.logger.info({ user_id: userId, provider: 'microsoft' }, 'Graph subscription created');
  return 'created';
}

/** Subscriptions about to expire (or to reauthorize) are renewed by their user's next sync: ask for it now (the maintenance pass). */
export async function renewExpiringGraphSubscriptions(deps: MicrosoftDeps): Promise<number> {
  const { settings } = deps.microsoft;
  if (!settings.webhookUrl) return 0;
  const now = deps.clock.now();
  const users = await usersWithGraphSubscriptionsToRenew(deps.db, new Date(now.getTime() + settings.subscriptionRenewBeforeMs), 500);
  for (const userId of users) await requestSync(deps.db, { userId, provider: microsoftProvider }, now);
  if (users.length > 0) deps.wake();
  return users.length;
}

/** The maintenance pass's step (work/worker.ts): nothing where Microsoft is not configured. */
export function renewGraphSubscriptions(deps: Deps): Promise<number> {
  return deps.microsoft ? renewExpiringGraphSubscriptions(microsoftOf(deps)) : Promise.resolve(0);
}
