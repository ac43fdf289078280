import { openTokens, sealTokens, type Tokens } from '../../operations/connections/token-vault.ts';
import { findConnection, lockConnection, updateConnection } from '../../store/connections.repo.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import { GraphUnauthorizedError, type GraphSession } from './graph-api.ts';
import { microsoftProvider } from './microsoft.ts';
import type { MicrosoftDeps } from './microsoft-deps.ts';

/** Access tokens are refreshed this long before they expire (on the service clock). */
const REFRESH_MARGIN_MS = 5 * 60_000;

async function currentTokens(deps: MicrosoftDeps, userId: string): Promise<Tokens> {
  const row = await findConnection(deps.db, userId, microsoftProvider);
  if (!row) throw new ConnectionGoneError();
  return { ...openTokens(deps.cipher, userId, microsoftProvider, row), expiresAt: row.access_expires_at, scope: row.scope };
}

/**
 * Refreshes the grant unless someone else already did. Microsoft may answer a refresh with a new refresh token
 * (and retire the old one), so two refreshes of one grant must never race: the connection row stays locked across
 * the call; a second caller waits, finds the access token changed, and uses the new one. The new grant (msal's
 * cache with the new refresh token, microsoft-auth.ts) is stored, sealed, before anything uses it.
 */
export async function refreshMicrosoftTokens(deps: MicrosoftDeps, userId: string, staleAccessToken: string): Promise<Tokens> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockConnection(trx, userId, microsoftProvider);
    if (!row) throw new ConnectionGoneError();
    const held = openTokens(deps.cipher, userId, microsoftProvider, row);
    if (held.accessToken !== staleAccessToken) return { ...held, expiresAt: row.access_expires_at, scope: row.scope };
    const fresh = await deps.microsoft.auth.refresh(held.refreshToken);
    await updateConnection(trx, userId, microsoftProvider, {
      ...sealTokens(deps.cipher, userId, microsoftProvider, fresh),
      access_expires_at: fresh.expiresAt,
      scope: fresh.scope || row.scope,
    });
    deps.logger.info({ user_id: userId, provider: 'microsoft' }, 'access token refreshed');
    return fresh;
  });
}

/**
 * Runs work with a Graph session on the user's grant: the access token is refreshed first when it expires within
 * the margin, and once more when Graph answers 401 (that one call is then repeated with the new token).
 */
export async function withGraphSession<T>(deps: MicrosoftDeps, userId: string, work: (session: GraphSession) => Promise<T>): Promise<T> {
  let tokens = await currentTokens(deps, userId);
  if (tokens.expiresAt.getTime() - REFRESH_MARGIN_MS <= deps.clock.now().getTime()) tokens = await refreshMicrosoftTokens(deps, userId, tokens.accessToken);
  let inner = deps.microsoft.graph.session(tokens.accessToken);
  const retried =
    <A extends unknown[], R>(method: (s: GraphSession) => (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await method(inner)(...args);
      } catch (error) {
        if (!(error instanceof GraphUnauthorizedError)) throw error;
        tokens = await refreshMicrosoftTokens(deps, userId, tokens.accessToken);
        inner = deps.microsoft.graph.session(tokens.accessToken);
        return method(inner)(...args);
      }
    };
  return work({
    delta: retried((s) => s.delta),
    createSubscription: retried((s) => s.createSubscription),
    renewSubscription: retried((s) => s.renewSubscription),
    deleteSubscription: retried((s) => s.deleteSubscription),
  });
}
