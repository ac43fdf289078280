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
