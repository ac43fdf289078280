import type { OAuthProvider } from '../../operations/connections/oauth-provider.ts';
import type { Microsoft } from './microsoft.ts';

/**
 * The Microsoft entry of operations/connections/oauth-providers.ts: authorization code + PKCE (S256) through msal-node, offline
 * access (msal asks for `offline_access` itself), scope `Calendars.Read`. msal builds the authorization URL after
 * reading the authority's metadata, so it comes as a promise (OAuthProvider's `authorizationUrl` may be async).
 * `providerUserId` is null: notifications name a subscription, not an account.
 */
export function microsoftOAuthProvider(ms: Microsoft): OAuthProvider {
  return {
    pkce: true,
    authorizationUrl: (state, codeChallenge) => ms.auth.authorizationUrl(state, required(codeChallenge, 'code challenge')),
    complete: async (code, codeVerifier) => ({ tokens: await ms.auth.exchangeCode(code, required(codeVerifier, 'code verifier')), providerUserId: null }),
  };
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`PKCE ${what} missing for Microsoft`);
  return value;
}
