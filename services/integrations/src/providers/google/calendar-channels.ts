import { randomUUID } from 'node:crypto';
import { newOAuthState, secretHash } from '../../domain/oauth-state.ts';
import { channelsOf, deleteChannel, insertChannel } from '../../store/channels.repo.ts';
import { holdConnection } from '../../store/connections.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import type { GoogleSession } from './google-api.ts';
import { googleOf } from './google-session.ts';

/**
 * How long before its end a channel is replaced: the configured margin, or half the life Google granted it when
 * that is shorter than twice the margin. Google may grant less than the expiration asked for, and the answer is
 * what counts: with the configured margin alone, a channel granted 12 hours under a 24-hour margin would be
 * "about to expire" from birth and be replaced by every sync.
 */
export function renewalMarginMs(channel: { created_at: Date; expires_at: Date }, renewBeforeMs: number): number {
  const lifetime = channel.expires_at.getTime() - channel.created_at.getTime();
  return Math.min(renewBeforeMs, Math.max(0, lifetime / 2));
}

/**
 * The renewal rule, one for both callers: a sync (ensureChannel) replaces the channel, and the maintenance pass asks
 * for that sync, once no more than its renewal margin is left.
 */
export function channelRenewalDue(channel: { created_at: Date; expires_at: Date }, now: Date, renewBeforeMs: number): boolean {
  return channel.expires_at.getTime() - now.getTime() <= renewalMarginMs(channel, renewBeforeMs);
}

/**
 * Keeps one push channel open per user (when a webhook address is configured). Channels do not renew:
 * when the newest one expires within its renewal margin, a new one (new id, new secret token) is opened
 * first, then the older ones are stopped, so notifications never lapse. Its expiry is the one Google answered,
 * not the one asked for. Stopping is best effort: a channel we forgot expires by itself, and its notifications
 * no longer match a stored channel.
 */
export async function ensureChannel(deps: Deps, userId: string, session: GoogleSession): Promise<boolean> {
  const { settings } = googleOf(deps);
  if (!settings.webhookUrl) return false;
  const now = deps.clock.now();
  const channels = await channelsOf(deps.db, userId);
  const newest = channels[0];
  if (newest && !channelRenewalDue(newest, now, settings.channelRenewBeforeMs)) return false;

  const id = randomUUID();
  const token = newOAuthState();
  const opened = await session.watch({ id, token, address: settings.webhookUrl, expiration: new Date(now.getTime() + settings.channelTtlMs) });
  const kept = await deps.db.transaction().execute(async (trx) => {
    // Disconnected meanwhile: the new channel must not outlive the connection.
    if (!(await holdConnection(trx, userId, 'google_calendar'))) return false;
    await insertChannel(trx, { channel_id: id, user_id: userId, resource_id: opened.resourceId, token_hash: secretHash(token), expires_at: opened.expiresAt, created_at: now });
    return true;
  });
  if (!kept) {
    await session.stopChannel({ id, resourceId: opened.resourceId }).catch(() => undefined);
    return false;
  }
  for (const old of channels) {
    try {
      await session.stopChannel({ id: old.channel_id, resourceId: old.resource_id });
    } catch (error) {
      deps.logger.warn({ user_id: userId, err: (error as Error).message }, 'stopping an old push channel failed; it will expire');
    }
    await deleteChannel(deps.db, old.channel_id);
  }
  deps.logger.info({ user_id: userId, provider: 'google_calendar', renewed: channels.length > 0 }, 'push channel opened');
  return true;
}
