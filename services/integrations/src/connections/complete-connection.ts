import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, UnavailableError } from '@omtobe/platform';
import { RateLimitedError, TransientProviderError } from '../domain/rate-limit.ts';
import { secretHash } from '../domain/oauth-state.ts';
import type { ProviderName } from '../store/database.ts';
import { saveConnection } from '../store/connections.repo.ts';
import { takeState } from '../store/oauth-states.repo.ts';
import type { Service } from '../service.ts';
import { oauthProvider } from './oauth-providers.ts';
import { sealTokens } from './token-vault.ts';

export interface Callback {
  provider: ProviderName;
  code: string;
  state: string;
  /** The provider's `error` parameter (the user declined, …). */
  error: string;
}

/**
 * Finishes an OAuth flow from the provider's callback. The `state` is consumed first (a second callback
 * with it is refused, whether the first succeeded or not); then the code is exchanged, the tokens are
 * stored encrypted, and the first sync (WHOOP: backfill of recent recoveries; Google: full sync and a
 * push channel) is planned for now and the worker woken: the callback does not wait for the provider's data.
 */
export async function completeConnection(svc: Service, cb: Callback): Promise<{ userId: string; provider: ProviderName; connectedAt: Date }> {
  if (cb.state === '') throw new InvalidArgumentError('state is required', { reason: 'missing_state' });
  const oauth = oauthProvider(svc, cb.provider);
  const taken = await takeState(svc.db, secretHash(cb.state));
  if (!taken || taken.provider !== cb.provider) {
    throw new PermissionDeniedError('unknown or already used state', { reason: 'invalid_state' });
  }
  const now = svc.clock.now();
  if (taken.expires_at <= now) throw new FailedPreconditionError('the authorization took too long; start again', { reason: 'state_expired' });
  if (cb.error !== '') throw new FailedPreconditionError('the provider reported that authorization was not granted', { reason: 'authorization_denied' });
  if (cb.code === '') throw new InvalidArgumentError('code is required', { reason: 'missing_code' });

  const { tokens, providerUserId } = await oauth.complete(cb.code).catch((error: unknown) => {
    throw providerFailure(error);
  });
  const connectedAt = svc.clock.now();
  await saveConnection(svc.db, {
    user_id: taken.user_id,
    provider: cb.provider,
    provider_user_id: providerUserId,
    ...sealTokens(svc.cipher, taken.user_id, cb.provider, tokens),
    access_expires_at: tokens.expiresAt,
    scope: tokens.scope,
    status: 'active',
    connected_at: connectedAt,
    last_synced_at: null,
    sync_cursor: null,
    full_synced_at: null,
    sync_due_at: connectedAt,
    sync_lease_until: null,
  });
  svc.logger.info({ user_id: taken.user_id, provider: cb.provider }, 'provider connected');
  svc.wake();
  return { userId: taken.user_id, provider: cb.provider, connectedAt };
}

/** A refused code is the caller's to fix (start again); a provider that is down or limiting is worth a retry. */
function providerFailure(error: unknown): Error {
  if (error instanceof RateLimitedError || error instanceof TransientProviderError) {
    return new UnavailableError('the provider is not answering; try again', { reason: 'provider_unavailable' });
  }
  return new FailedPreconditionError('the provider did not accept the authorization code; start again', { reason: 'code_rejected', cause: error });
}
