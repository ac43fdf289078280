import { AuthError, ConfidentialClientApplication, InteractionRequiredAuthError, LogLevel, type AuthenticationResult, type ICachePlugin } from '@azure/msal-node';
import type { Clock, Logger } from '@omtobe/platform';
import type { Tokens } from '../../operations/connections/token-vault.ts';
import { TransientProviderError } from '../../domain/rate-limit.ts';
import { caTrustingMsalNetwork } from './https-transport.ts';
import { microsoftScopes, type MicrosoftSettings } from './microsoft-settings.ts';

/** The identity platform refused the grant (revoked, expired, consent withdrawn): the user must connect again. */
export class MicrosoftGrantError extends Error {
  constructor(message = 'Microsoft refused the grant') {
    super(message);
    this.name = 'MicrosoftGrantError';
  }
}

/**
 * The OAuth half of Microsoft 365, through msal-node's ConfidentialClientApplication (authorization code + PKCE).
 *
 * msal keeps refresh tokens to itself: no API returns one. What it does hand out is its token cache, through a
 * cache plugin, so **the grant we keep is msal's serialized cache for one account** (in the `refresh_token` column,
 * sealed by operations/connections/token-vault.ts like every other refresh token: AES-256-GCM bound to user, provider and
 * field), and the access token beside it (the `access_token` column) for use without msal. Before sealing, the cache
 * is cut down to what a refresh needs — the account's ids and the refresh token: the id token and the account's name
 * and username (the person's email) are dropped, so no profile data is stored. A refresh builds an application on
 * that cache and calls `acquireTokenSilent({ forceRefresh })`; Microsoft may rotate the refresh token, and the new
 * cache (new refresh token) is what the caller stores. When to refresh is decided on the service clock
 * (microsoft-tokens.ts), never by msal's wall-clock cache expiry, which is why every refresh is forced.
 *
 * PKCE: the shared OAuth flow makes the S256 pair (domain/oauth-state.ts `newPkce`, the same RFC 7636 pair msal's
 * `CryptoProvider.generatePkceCodes()` makes) and keeps the verifier encrypted with the state; msal is handed both.
 */
export interface MicrosoftAuth {
  authorizationUrl(state: string, codeChallenge: string): Promise<string>;
  exchangeCode(code: string, codeVerifier: string): Promise<Tokens>;
  /** A fresh access token from the kept grant; `refreshToken` of the answer is the grant to keep from now on. */
  refresh(grant: string): Promise<Tokens>;
}

export interface MicrosoftAuthOptions {
  settings: MicrosoftSettings;
  clock: Clock;
  logger: Logger;
}

type CacheDocument = Record<string, Record<string, Record<string, unknown>> | undefined>;

/** What a refresh needs of msal's cache: accounts (without name and username, tenant profiles included), refresh tokens, app metadata. */
export function minimiseCache(serialized: string): string {
  const doc = JSON.parse(serialized) as CacheDocument;
  const anonymous = (profile: string) => JSON.stringify({ ...(JSON.parse(profile) as Record<string, unknown>), name: '', username: '' });
  const accounts = Object.fromEntries(
    Object.entries(doc.Account ?? {}).map(([key, account]) => {
      const profiles = Array.isArray(account.tenantProfiles) ? { tenantProfiles: (account.tenantProfiles as string[]).map(anonymous) } : {};
      return [key, { ...account, name: '', username: '', ...profiles }];
    }),
  );
  return JSON.stringify({ Account: accounts, IdToken: {}, AccessToken: {}, RefreshToken: doc.RefreshToken ?? {}, AppMetadata: doc.AppMetadata ?? {} });
}

export function createMicrosoftAuth(options: MicrosoftAuthOptions): MicrosoftAuth {
  const { settings, clock, logger } = options;
  const scopes = [...microsoftScopes];

  /** One application per operation, its cache plugin reading and writing `holder` (msal's cache is per instance). */
  const application = (holder: { cache: string | undefined }) => {
    const cachePlugin: ICachePlugin = {
      beforeCacheAccess: async (ctx) => {
        if (holder.cache !== undefined) ctx.tokenCache.deserialize(holder.cache);
      },
      afterCacheAccess: async (ctx) => {
        if (ctx.cacheHasChanged) holder.cache = minimiseCache(ctx.tokenCache.serialize());
      },
    };
    return new ConfidentialClientApplication({
      auth: { clientId: settings.clientId, clientSecret: settings.clientSecret, authority: settings.authority, knownAuthorities: [...settings.knownAuthorities] },
      cache: { cachePlugin },
      system: {
        ...(settings.caPem ? { networkClient: caTrustingMsalNetwork(settings.caPem) } : {}),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (_level, message, containsPii) => {
            if (!containsPii) logger.debug({ provider: 'microsoft' }, `msal: ${message}`);
          },
        },
      },
    });
  };

  /** msal's expiry is on the wall clock; ours is on the service clock (the development clock may run ahead). */
  const tokensOf = (result: AuthenticationResult, grant: string | undefined): Tokens => {
    if (!grant) throw new MicrosoftGrantError('Microsoft answered without a refresh token (offline_access not granted)');
    const lifetimeMs = Math.max(0, (result.expiresOn?.getTime() ?? Date.now()) - Date.now());
    return { accessToken: result.accessToken, refreshToken: grant, expiresAt: new Date(clock.now().getTime() + lifetimeMs), scope: result.scopes.join(' ') };
  };

  return {
    authorizationUrl: (state, codeChallenge) =>
      application({ cache: undefined }).getAuthCodeUrl({ scopes, redirectUri: settings.redirectUri, state, codeChallenge, codeChallengeMethod: 'S256' }),

    async exchangeCode(code, codeVerifier) {
      const holder: { cache: string | undefined } = { cache: undefined };
      const result = await application(holder)
        .acquireTokenByCode({ code, codeVerifier, redirectUri: settings.redirectUri, scopes })
        .catch((error: unknown) => {
          throw authFailure(error);
        });
      return tokensOf(result, holder.cache);
    },

    async refresh(grant) {
      const holder: { cache: string | undefined } = { cache: grant };
      const app = application(holder);
      const [account] = await app.getTokenCache().getAllAccounts();
      if (!account) throw new MicrosoftGrantError('the kept grant holds no account');
      const result = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((error: unknown) => {
        throw authFailure(error);
      });
      return tokensOf(result, holder.cache);
    },
  };
}

/** msal's errors in our terms: a refused grant ends the connection's syncing; an outage is worth another try. */
function authFailure(error: unknown): Error {
  if (error instanceof InteractionRequiredAuthError) return new MicrosoftGrantError(`Microsoft refused the grant (${error.errorCode})`);
  if (error instanceof AuthError) {
    if (error.errorCode === 'invalid_grant' || error.errorCode === 'no_tokens_found') return new MicrosoftGrantError(`Microsoft refused the grant (${error.errorCode})`);
    if (/network|timeout|temporarily|server_error|service_unavailable/i.test(`${error.errorCode} ${error.message}`)) return new TransientProviderError(`Microsoft identity platform: ${error.errorCode}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
