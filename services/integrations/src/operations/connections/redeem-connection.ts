import { FailedPreconditionError, PermissionDeniedError } from '@omtobe/platform';
import { secretHash } from '../../domain/oauth-state.ts';
import type { ProviderName } from '../../store/database.ts';
import { saveConnection } from '../../store/connections.repo.ts';
import { takeGrant } from '../../store/oauth-states.repo.ts';
import type { Deps } from '../deps.ts';
import { requireKnownUser } from './known-user.ts';
import { revokeGrant } from './oauth-grants.ts';

/**
 * RedeemConnection: the app presents the one-time code its callback redirect carried, with its user's bearer token
 * (the gateway passes the verified subject). The code is taken out whoever presents it, so it works once. Only the
 * user who started the flow gets the grant; presented by anyone else (a connect URL sent to a victim, whose app
 * then redeems what the attacker started), expired, or for another provider, the grant is revoked at the provider
 * and lands in no account. The answer to another user is the same as to an unknown code: it tells them nothing.
 */
export async function redeemConnection(deps: Deps, userId: string, provider: ProviderName, code: string): Promise<{ connectedAt: Date }> {
  const now = deps.clock.now();
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const grant = code === '' ? undefined : await takeGrant(trx, secretHash(code));
    if (!grant) return 'invalid' as const;
    if (grant.user_id !== userId || grant.provider !== provider || grant.expires_at <= now) {
      await revokeGrant(trx, deps.cipher, deps.logger, grant, now);
      // The starter's id only: this line must not link the two people.
      deps.logger.warn({ user_id: grant.user_id, provider: grant.provider, expired: grant.expires_at <= now }, 'OAuth grant not redeemed by its user: revoked');
      return grant.user_id !== userId || grant.provider !== provider ? ('invalid' as const) : ('expired' as const);
    }
    await requireKnownUser(trx, userId);
    await saveConnection(trx, {
      user_id: userId,
      provider,
      provider_user_id: grant.provider_user_id,
      // Sealed for (this user, provider) at the callback: the ciphertexts move as they are.
      access_token: grant.access_token,
      refresh_token: grant.refresh_token,
      key_id: grant.key_id,
      access_expires_at: grant.access_expires_at,
      scope: grant.scope,
      status: 'active',
      connected_at: now,
      last_synced_at: null,
      sync_cursor: null,
      full_synced_at: null,
      sync_due_at: now,
      sync_lease_until: null,
    });
    return 'connected' as const;
  });
  deps.wake();
  if (outcome === 'invalid') throw new PermissionDeniedError('unknown or already used code', { reason: 'invalid_code' });
  if (outcome === 'expired') throw new FailedPreconditionError('the code expired; connect again', { reason: 'code_expired' });
  deps.logger.info({ user_id: userId, provider }, 'provider connected');
  return { connectedAt: now };
}
