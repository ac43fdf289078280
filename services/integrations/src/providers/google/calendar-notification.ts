import { FailedPreconditionError, PermissionDeniedError } from '@omtobe/platform';
import { matchesSecretHash } from '../../domain/oauth-state.ts';
import { findChannel } from '../../store/channels.repo.ts';
import { requestSync } from '../../store/connections.repo.ts';
import type { Deps } from '../../operations/deps.ts';

export interface CalendarNotification {
  channelId: string;
  channelToken: string;
  resourceId: string;
  resourceState: string;
  messageNumber: string;
}

/**
 * A Google push notification says only "something changed": it is verified against the channel's secret
 * token and resource id, and then asks for a sync of the channel's user (the notification is not the
 * data, and a sync after many notifications reads the changes once). The `sync` handshake that opens a
 * channel starts nothing. Notifications of channels we no longer hold are acknowledged and ignored, so
 * Google does not retry them.
 */
export async function handleCalendarNotification(deps: Deps, n: CalendarNotification): Promise<{ syncStarted: boolean }> {
  if (!deps.settings.google) throw new FailedPreconditionError('Google Calendar is not configured', { reason: 'provider_not_configured' });
  const channel = await findChannel(deps.db, n.channelId);
  if (!channel) {
    deps.logger.info({ provider: 'google_calendar' }, 'notification for an unknown channel ignored');
    return { syncStarted: false };
  }
  if (!matchesSecretHash(n.channelToken, channel.token_hash) || channel.resource_id !== n.resourceId) {
    deps.logger.warn({ provider: 'google_calendar', user_id: channel.user_id }, 'notification with a wrong channel token refused');
    throw new PermissionDeniedError('channel token does not match', { reason: 'invalid_channel_token' });
  }
  if (n.resourceState === 'sync') return { syncStarted: false };
  const requested = await requestSync(deps.db, { userId: channel.user_id, provider: 'google_calendar' }, deps.clock.now());
  if (requested > 0) deps.wake();
  return { syncStarted: requested > 0 };
}
