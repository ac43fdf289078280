import { newOAuthState, secretHash } from '../domain/oauth-state.ts';
import type { ProviderName } from '../store/database.ts';
import { insertState } from '../store/oauth-states.repo.ts';
import type { Service } from '../service.ts';
import { oauthProvider } from './oauth-providers.ts';

/**
 * Begins a provider's OAuth flow: a one-time `state` (256 random bits) names the user in the callback.
 * Only its hash is stored, with an expiry; the callback takes it out (connections/complete-connection.ts).
 */
export async function startConnection(svc: Service, userId: string, provider: ProviderName): Promise<{ authorizationUrl: string; expiresAt: Date }> {
  const oauth = oauthProvider(svc, provider);
  const state = newOAuthState();
  const expiresAt = new Date(svc.clock.now().getTime() + svc.settings.oauthStateTtlMs);
  await insertState(svc.db, { state_hash: secretHash(state), user_id: userId, provider, expires_at: expiresAt });
  return { authorizationUrl: oauth.authorizationUrl(state), expiresAt };
}
