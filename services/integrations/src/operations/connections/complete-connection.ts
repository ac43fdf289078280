import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError, UnavailableError } from '@omtobe/platform';
import { RateLimitedError, TransientProviderError } from '../../domain/rate-limit.ts';
import { newOAuthState, secretHash } from '../../domain/oauth-state.ts';
import type { ProviderName } from '../../store/database.ts';
import { insertGrant, takeState } from '../../store/oauth-states.repo.ts';
import { lockKnownUser } from '../../store/users.repo.ts';
import type { Deps } from '../deps.ts';
import { revokeGrant, verifierContext } from './oauth-grants.ts';
import { oauthProvider } from './oauth-providers.ts';
import { sealTokens } from './token-vault.ts';

export interface Callback {
  provider: ProviderName;
  code: string;
  state: string;
  /** The provider's `error` parameter (the user declined, …). */
  error: string;
}

export interface KeptGrant {
  /** The user who started the flow: the only one who may redeem. */
  userId: string;
  provider: ProviderName;
  /** The app's URL with `provider` and the one-time redemption `code`. */
  appRedirectUrl: string;
  redeemBy: Date;
}

/**
 * Takes a provider's OAuth callback. The `state` is consumed first (a second callback with it is refused, whether
 * the first succeeded or not); then the code is exchanged (with the PKCE verifier kept with the state) and the grant
 * is kept aside, sealed, for the user who started the flow, behind a fresh one-time code of which only the hash is
 * stored. Nothing is connected here: the callback is public, and whoever's browser it ran in is not known. The grant
 * lands only when the app redeems the code with its user's bearer token (connections/redeem-connection.ts), so an
 * authorization URL sent to someone else connects nobody's account to anybody's data.
 */
export async function completeConnection(deps: Deps, cb: Callback): Promise<KeptGrant> {
  if (cb.state === '') throw new InvalidArgumentError('state is required', { reason: 'missing_state' });
  const oauth = oauthProvider(deps, cb.provider);
  const stateHash = secretHash(cb.state);
  const taken = await takeState(deps.db, stateHash);
  if (!taken || taken.provider !== cb.provider) {
    throw new PermissionDeniedError('unknown or already used state', { reason: 'invalid_state' });
  }
  const now = deps.clock.now();
  if (taken.expires_at <= now) throw new FailedPreconditionError('the authorization took too long; start again', { reason: 'state_expired' });
  if (cb.error !== '') throw new FailedPreconditionError('the provider reported that authorization was not granted', { reason: 'authorization_denied' });
  if (cb.code === '') throw new InvalidArgumentError('code is required', { reason: 'missing_code' });

  const verifier = taken.code_verifier ? deps.cipher.decrypt(taken.code_verifier, verifierContext(stateHash)) : undefined;
  const { tokens, providerUserId } = await oauth.complete(cb.code, verifier).catch((error: unknown) => {
    throw providerFailure(error);
  });
  const code = newOAuthState();
  const redeemBy = new Date(deps.clock.now().getTime() + deps.settings.oauthRedeemTtlMs);
  const grant = {
    code_hash: secretHash(code),
    user_id: taken.user_id,
    provider: cb.provider,
    provider_user_id: providerUserId,
    ...sealTokens(deps.cipher, taken.user_id, cb.provider, tokens),
    access_expires_at: tokens.expiresAt,
    scope: tokens.scope,
    expires_at: redeemBy,
  };
  const kept = await deps.db.transaction().execute(async (trx) => {
    // Erased while the user was at the provider: the grant goes straight back.
    if (!(await lockKnownUser(trx, taken.user_id))) {
      await revokeGrant(trx, deps.cipher, deps.logger, grant, now);
      return false;
    }
    await insertGrant(trx, grant);
    return true;
  });
  if (!kept) {
    deps.wake();
    throw new NotFoundError('the user who started this authorization is gone', { reason: 'unknown_user' });
  }
  deps.logger.info({ user_id: taken.user_id, provider: cb.provider }, 'provider grant kept for redemption by the app');
  const appRedirectUrl = new URL(deps.settings.oauthAppRedirectUrl);
  appRedirectUrl.searchParams.set('provider', cb.provider === 'google_calendar' ? 'google-calendar' : cb.provider);
  appRedirectUrl.searchParams.set('code', code);
  return { userId: taken.user_id, provider: cb.provider, appRedirectUrl: appRedirectUrl.toString(), redeemBy };
}

/** A refused code is the caller's to fix (start again); a provider that is down or limiting is worth a retry. */
function providerFailure(error: unknown): Error {
  if (error instanceof RateLimitedError || error instanceof TransientProviderError) {
    return new UnavailableError('the provider is not answering; try again', { reason: 'provider_unavailable' });
  }
  return new FailedPreconditionError('the provider did not accept the authorization code; start again', { reason: 'code_rejected', cause: error });
}
