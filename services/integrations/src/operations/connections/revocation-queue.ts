import { randomUUID } from 'node:crypto';
import type { Logger } from '@omtobe/platform';
import type { TokenCipher } from '../../domain/token-cipher.ts';
import type { ChannelRow } from '../../store/channels.repo.ts';
import type { ConnectionRow } from '../../store/connections.repo.ts';
import type { Db } from '../../store/database.ts';
import { insertRevocation } from '../../store/revocations.repo.ts';
import { openTokens, sealTokens } from './token-vault.ts';

/**
 * Queues a grant for revocation at its provider, in the caller's transaction (a disconnect, an erasure, or a
 * kept-aside OAuth grant nobody may redeem):
 * the row is deleted here and revoked by the worker, retried when the provider is down. The tokens are
 * re-encrypted bound to the revocation's own id, so the queue holds nothing that names the user.
 */
export async function queueRevocation(
  trx: Db,
  cipher: TokenCipher,
  logger: Logger,
  connection: Pick<ConnectionRow, 'user_id' | 'provider' | 'access_token' | 'refresh_token'>,
  /** Google push channels, or Graph subscriptions as `graphSubscriptionChannels` gives them, to stop with the grant. */
  channels: ReadonlyArray<Pick<ChannelRow, 'channel_id' | 'resource_id'>>,
  now: Date,
): Promise<void> {
  let tokens: { accessToken: string; refreshToken: string };
  try {
    tokens = openTokens(cipher, connection.user_id, connection.provider, connection);
  } catch (error) {
    logger.error({ user_id: connection.user_id, provider: connection.provider, err: (error as Error).message }, 'tokens unreadable: the grant cannot be revoked');
    return;
  }
  const id = randomUUID();
  await insertRevocation(trx, {
    id,
    provider: connection.provider,
    ...sealTokens(cipher, id, connection.provider, tokens),
    channels: JSON.stringify(channels.map((c) => ({ id: c.channel_id, resourceId: c.resource_id }))),
    due_at: now,
    lease_until: null,
  });
}
