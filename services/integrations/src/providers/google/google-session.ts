import { FailedPreconditionError } from '@omtobe/platform';
import type { GoogleSettings } from '../../domain/settings.ts';
import { openTokens, sealTokens, type Tokens } from '../../operations/connections/token-vault.ts';
import { findConnection, updateConnection } from '../../store/connections.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import type { GoogleApi, GoogleSession } from './google-api.ts';

export function googleOf(deps: Deps): { api: GoogleApi; settings: GoogleSettings } {
  if (!deps.google || !deps.settings.google) throw new FailedPreconditionError('Google Calendar is not configured', { reason: 'provider_not_configured' });
  return { api: deps.google, settings: deps.settings.google };
}

/**
 * Runs work with a Google Calendar session for the user's grant. The OAuth client refreshes the access
 * token itself (before expiry, and after a 401); every refresh is stored, encrypted, before the work is
 * considered done. A refresh reply without a refresh token keeps the one held.
 */
export async function withGoogleSession<T>(deps: Deps, userId: string, work: (session: GoogleSession) => Promise<T>): Promise<T> {
  const { api } = googleOf(deps);
  const row = await findConnection(deps.db, userId, 'google_calendar');
  if (!row) throw new ConnectionGoneError();
  let held: Tokens = { ...openTokens(deps.cipher, userId, 'google_calendar', row), expiresAt: row.access_expires_at, scope: row.scope };
  const session = api.session(held, async (fresh) => {
    held = { ...held, ...fresh };
    await updateConnection(deps.db, userId, 'google_calendar', {
      ...sealTokens(deps.cipher, userId, 'google_calendar', held),
      access_expires_at: held.expiresAt,
      scope: held.scope,
    });
  });
  try {
    return await work(session);
  } finally {
    await session.flush();
  }
}
