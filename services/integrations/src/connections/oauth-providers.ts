import { FailedPreconditionError } from '@omtobe/platform';
import type { ProviderName } from '../store/database.ts';
import { microsoftOAuthProvider } from '../providers/microsoft/microsoft-oauth.ts';
import type { Service } from '../service.ts';
import type { Tokens } from './token-vault.ts';

/** The OAuth half of a provider: where to send the user, and what a callback's code is worth. */
export interface OAuthProvider {
  /**
   * Whether the provider takes PKCE (S256). Google does. WHOOP's OAuth documentation (developer.whoop.com,
   * "OAuth 2.0") names only the client secret and `state`, no code_challenge: WHOOP stays state-only until it
   * documents PKCE.
   */
  pkce: boolean;
  /** `codeChallenge` is given exactly when `pkce`. A promise where the library reads the authority's metadata first (msal). */
  authorizationUrl(state: string, codeChallenge?: string): string | Promise<string>;
  /** Exchanges the code (with the verifier when `pkce`); `providerUserId` is the provider's account id where webhooks need it. */
  complete(code: string, codeVerifier?: string): Promise<{ tokens: Tokens; providerUserId: string | null }>;
}

export function oauthProvider(svc: Service, provider: ProviderName): OAuthProvider {
  if (provider === 'whoop' && svc.whoop) {
    const api = svc.whoop;
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
  if (provider === 'google_calendar' && svc.google) {
    const api = svc.google;
    return {
      pkce: true,
      authorizationUrl: (state, codeChallenge) => api.authorizationUrl(state, required(codeChallenge, 'code challenge')),
      complete: async (code, codeVerifier) => ({ tokens: await api.exchangeCode(code, required(codeVerifier, 'code verifier')), providerUserId: null }),
    };
  }
  if (provider === 'microsoft' && svc.microsoft) return microsoftOAuthProvider(svc.microsoft);
  throw new FailedPreconditionError(`${provider} is not configured on this server`, { reason: 'provider_not_configured' });
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`PKCE ${what} missing for Google`);
  return value;
}
