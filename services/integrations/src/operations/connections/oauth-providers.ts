import { FailedPreconditionError } from '@omtobe/platform';
import type { ProviderName } from '../../store/database.ts';
import { microsoftOAuthProvider } from '../../providers/microsoft/microsoft-oauth.ts';
import type { Deps } from '../deps.ts';
import type { OAuthProvider } from './oauth-provider.ts';

export function oauthProvider(deps: Deps, provider: ProviderName): OAuthProvider {
  if (provider === 'whoop' && deps.whoop) {
    const api = deps.whoop;
    return {
      pkce: false,
      authorizationUrl: (state) => api.authorizationUrl(state),
      async complete(code) {
        const tokens = await api.exchangeCode(code);
        const profile = await api.profile(tokens.accessToken);
        return { tokens, providerUserId: profile.userId };
      },
    };
  }
  if (provider === 'google_calendar' && deps.google) {
    const api = deps.google;
    return {
      pkce: true,
      authorizationUrl: (state, codeChallenge) => api.authorizationUrl(state, required(codeChallenge, 'code challenge')),
      complete: async (code, codeVerifier) => ({ tokens: await api.exchangeCode(code, required(codeVerifier, 'code verifier')), providerUserId: null }),
    };
  }
  if (provider === 'microsoft' && deps.microsoft) return microsoftOAuthProvider(deps.microsoft);
  throw new FailedPreconditionError(`${provider} is not configured on this server`, { reason: 'provider_not_configured' });
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`PKCE ${what} missing for Google`);
  return value;
}
