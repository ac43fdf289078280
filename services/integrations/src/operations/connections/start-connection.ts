import { newOAuthState, newPkce, secretHash } from '../../domain/oauth-state.ts';
import type { ProviderName } from '../../store/database.ts';
import { insertState } from '../../store/oauth-states.repo.ts';
import type { Deps } from '../deps.ts';
import { requireKnownUser } from './known-user.ts';
import { oauthProvider } from './oauth-providers.ts';
import { verifierContext } from './oauth-grants.ts';

/**
 * Begins a provider's OAuth flow for a user this service knows: a one-time `state` (256 random bits) names the
 * flow in the callback, and where the provider takes PKCE a verifier is kept with it (encrypted) and its S256
 * challenge goes into the URL. Only the state's hash is stored, with an expiry; the callback takes it out
 * (connections/complete-connection.ts).
 */
export async function startConnection(deps: Deps, userId: string, provider: ProviderName): Promise<{ authorizationUrl: string; expiresAt: Date }> {
  const oauth = oauthProvider(deps, provider);
  const state = newOAuthState();
  const stateHash = secretHash(state);
  const pkce = oauth.pkce ? newPkce() : undefined;
  const expiresAt = new Date(deps.clock.now().getTime() + deps.settings.oauthStateTtlMs);
  await deps.db.transaction().execute(async (trx) => {
    await requireKnownUser(trx, userId);
    await insertState(trx, {
      state_hash: stateHash,
      user_id: userId,
      provider,
      expires_at: expiresAt,
      code_verifier: pkce ? deps.cipher.encrypt(pkce.verifier, verifierContext(stateHash)) : null,
    });
  });
  return { authorizationUrl: await oauth.authorizationUrl(state, pkce?.challenge), expiresAt };
}
