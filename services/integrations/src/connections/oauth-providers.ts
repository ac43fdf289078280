import { FailedPreconditionError } from '@omtobe/platform';
import type { ProviderName } from '../store/database.ts';
import type { Service } from '../service.ts';
import type { Tokens } from './token-vault.ts';

/** The OAuth half of a provider: where to send the user, and what a callback's code is worth. */
export interface OAuthProvider {
  authorizationUrl(state: string): string;
  /** Exchanges the code; `providerUserId` is the provider's account id where webhooks need it. */
  complete(code: string): Promise<{ tokens: Tokens; providerUserId: string | null }>;
}

export function oauthProvider(svc: Service, provider: ProviderName): OAuthProvider {
  if (provider === 'whoop' && svc.whoop) {
    const api = svc.whoop;
    return {
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
      authorizationUrl: (state) => api.authorizationUrl(state),
      complete: async (code) => ({ tokens: await api.exchangeCode(code), providerUserId: null }),
    };
  }
  throw new FailedPreconditionError(`${provider} is not configured on this server`, { reason: 'provider_not_configured' });
}
