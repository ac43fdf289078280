import { expireGrants } from '../operations/connections/oauth-grants.ts';
import { openTokens, sealTokens } from '../operations/connections/token-vault.ts';
import { channelRenewalDue } from '../providers/google/calendar-channels.ts';
import { newestChannelsExpiringBy } from '../store/channels.repo.ts';
import { connectionsWithOtherKey, requestSync, updateConnection } from '../store/connections.repo.ts';
import { purgeEndedEvents } from '../store/calendar-events.repo.ts';
import { purgeExpiredStates } from '../store/oauth-states.repo.ts';
import { purgeSamples } from '../store/samples.repo.ts';
import { purgeDeliveries } from '../store/webhook-deliveries.repo.ts';
import { devicesWithOtherKey, updateDeviceToken } from '../store/devices.repo.ts';
import { purgeFinishedDeliveries } from '../store/push-deliveries.repo.ts';
import { deviceTokenContext } from '../domain/device-token.ts';
import type { Deps } from '../operations/deps.ts';

const hour = 3_600_000;
/** WHOOP retries a delivery for about an hour; a day covers that with room. */
const DELIVERY_RETENTION_MS = 24 * hour;

/**
 * Deletes what has outlived its use: samples past retention, ended events, expired OAuth states, OAuth grants nobody
 * redeemed (revoked at their provider), old webhook
 * trace ids, finished pushes and old dead letters. (The inbox is purged by @omtobe/events itself.)
 */
export async function purgeExpired(deps: Deps): Promise<Record<string, number>> {
  const now = deps.clock.now().getTime();
  return {
    hrv_samples: await purgeSamples(deps.db, new Date(now - deps.settings.hrv.retentionMs)),
    calendar_events: await purgeEndedEvents(deps.db, new Date(now - deps.settings.eventRetentionMs)),
    oauth_states: await purgeExpiredStates(deps.db, new Date(now)),
    oauth_grants: await expireGrants(deps, new Date(now)),
    webhook_deliveries: await purgeDeliveries(deps.db, new Date(now - DELIVERY_RETENTION_MS)),
    push_deliveries: await purgeFinishedDeliveries(deps.db, new Date(now - deps.settings.push.finishedRetentionMs), new Date(now - deps.settings.push.deadRetentionMs)),
  };
}

/**
 * Push channels due for renewal are renewed by their user's next sync: ask for it now. Due by the rule the sync
 * itself applies (`channelRenewalDue`): a channel Google granted less than twice the margin is due at half its
 * life, not from birth — by the margin alone, such a channel would ask for a sync on every pass. At most
 * `maxUsers` a pass; the rest are due the next.
 */
export async function renewExpiringChannels(deps: Deps, maxUsers = 500): Promise<number> {
  const google = deps.settings.google;
  if (!google?.webhookUrl) return 0;
  const now = deps.clock.now();
  // The rule's margin is never more than the configured one: channels expiring beyond it are not due.
  const by = new Date(now.getTime() + google.channelRenewBeforeMs);
  let asked = 0;
  let after: string | undefined;
  while (asked < maxUsers) {
    const page = await newestChannelsExpiringBy(deps.db, by, maxUsers, after);
    for (const channel of page) {
      if (asked >= maxUsers || !channelRenewalDue(channel, now, google.channelRenewBeforeMs)) continue;
      await requestSync(deps.db, { userId: channel.user_id, provider: 'google_calendar' }, now);
      asked += 1;
    }
    if (page.length < maxUsers) break;
    after = page.at(-1)!.user_id;
  }
  if (asked > 0) deps.wake();
  return asked;
}

/**
 * Key rotation: re-encrypts tokens (provider grants and device push tokens) made with an older key under the current one, a batch at a time, so
 * an old key can be removed from TOKEN_ENCRYPTION_KEYS once no row names it (the README says how to check).
 */
export async function reencryptTokens(deps: Deps, batchSize = 100): Promise<number> {
  const rows = await connectionsWithOtherKey(deps.db, deps.cipher.currentKeyId, batchSize);
  let done = 0;
  for (const row of rows) {
    try {
      const tokens = openTokens(deps.cipher, row.user_id, row.provider, row);
      await updateConnection(deps.db, row.user_id, row.provider, sealTokens(deps.cipher, row.user_id, row.provider, tokens));
      done += 1;
    } catch (error) {
      deps.logger.error({ user_id: row.user_id, provider: row.provider, err: (error as Error).message }, 'tokens could not be re-encrypted');
    }
  }
  for (const device of await devicesWithOtherKey(deps.db, deps.cipher.currentKeyId, batchSize)) {
    try {
      const context = deviceTokenContext(device.user_id, device.device_id);
      const token = deps.cipher.decrypt(device.token, context);
      await updateDeviceToken(deps.db, device.device_id, { token: deps.cipher.encrypt(token, context), key_id: deps.cipher.currentKeyId });
      done += 1;
    } catch (error) {
      deps.logger.error({ user_id: device.user_id, device_id: device.device_id, err: (error as Error).message }, 'a device token could not be re-encrypted');
    }
  }
  return done;
}
