import { FailedPreconditionError } from '@omtobe/platform';
import { openTokens, sealTokens, type Tokens } from '../../operations/connections/token-vault.ts';
import { findConnection, lockConnection, updateConnection } from '../../store/connections.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import { WhoopUnauthorizedError, type WhoopApi } from './whoop-api.ts';

/** Access tokens are refreshed this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export class ConnectionGoneError extends Error {
  constructor() {
    super('the connection no longer exists');
  }
}

export function whoopOf(deps: Deps): WhoopApi {
  if (!deps.whoop) throw new FailedPreconditionError('WHOOP is not configured', { reason: 'provider_not_configured' });
  return deps.whoop;
}

async function currentTokens(deps: Deps, userId: string): Promise<Tokens> {
  const row = await findConnection(deps.db, userId, 'whoop');
  if (!row) throw new ConnectionGoneError();
  return { ...openTokens(deps.cipher, userId, 'whoop', row), expiresAt: row.access_expires_at, scope: row.scope };
}

/**
 * Refreshes the grant, unless someone else already did. WHOOP answers every refresh with a NEW refresh
 * token and the old one stops working, so two refreshes of one grant must never race: the connection row
 * stays locked across the call, a second caller waits, finds the access token changed, and uses the new one.
 * The new tokens are stored before anything else happens with them.
 *
 * WHOOP rotates the token when it takes the request, whether or not its answer arrives. When the answer is lost (a
 * 5xx, a dropped connection, a timeout) the client's retry presents the spent token and is refused: a
 * WhoopGrantError with `afterLostAnswer`. Nothing can bring the rotated token back (WHOOP documents no grace period
 * for the old one), so the sync marks the connection reauth_required, says so in its log line, and the user is asked
 * to connect again (ListConnections: REAUTH_REQUIRED).
 */
export async function refreshWhoopTokens(deps: Deps, userId: string, staleAccessToken: string): Promise<Tokens> {
  const api = whoopOf(deps);
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockConnection(trx, userId, 'whoop');
    if (!row) throw new ConnectionGoneError();
    const held = openTokens(deps.cipher, userId, 'whoop', row);
    if (held.accessToken !== staleAccessToken) return { ...held, expiresAt: row.access_expires_at, scope: row.scope };
    const fresh = await api.refresh(held.refreshToken);
    await updateConnection(trx, userId, 'whoop', { ...sealTokens(deps.cipher, userId, 'whoop', fresh), access_expires_at: fresh.expiresAt, scope: fresh.scope || row.scope });
    deps.logger.info({ user_id: userId, provider: 'whoop' }, 'access token refreshed');
    return fresh;
  });
}

/** Calls WHOOP with the user's access token: refreshed first when about to expire, and once more on a 401. */
export async function withWhoopToken<T>(deps: Deps, userId: string, call: (accessToken: string) => Promise<T>): Promise<T> {
  let tokens = await currentTokens(deps, userId);
  if (tokens.expiresAt.getTime() - REFRESH_MARGIN_MS <= deps.clock.now().getTime()) {
    tokens = await refreshWhoopTokens(deps, userId, tokens.accessToken);
  }
  try {
    return await call(tokens.accessToken);
  } catch (error) {
    if (!(error instanceof WhoopUnauthorizedError)) throw error;
    tokens = await refreshWhoopTokens(deps, userId, tokens.accessToken);
    return call(tokens.accessToken);
  }
}
