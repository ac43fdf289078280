import { openTokens } from '../connections/token-vault.ts';
import { backoffMs } from '../domain/rate-limit.ts';
import { WhoopGrantError, WhoopUnauthorizedError, type WhoopApi } from '../providers/whoop/whoop-api.ts';
import type { GoogleApi } from '../providers/google/google-api.ts';
import { claimDueRevocations, deleteRevocation, retryRevocationAt, type RevocationRow } from '../store/revocations.repo.ts';
import type { Service } from '../service.ts';

const MAX_ATTEMPTS = 6;

/** Revokes queued grants at their providers (best effort: given up after a few attempts). Returns how many were handled. */
export async function runDueRevocations(svc: Service, batchSize = 20): Promise<number> {
  const now = svc.clock.now();
  const claimed = await claimDueRevocations(svc.db, now, new Date(now.getTime() + svc.settings.workLeaseMs), batchSize);
  for (const row of claimed) {
    try {
      await revoke(svc, row);
      await deleteRevocation(svc.db, row.id);
      svc.logger.info({ provider: row.provider }, 'grant revoked at the provider');
    } catch (error) {
      const attempts = row.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) {
        svc.logger.error({ provider: row.provider, err: (error as Error).message }, 'revocation given up; the grant expires at the provider by itself');
        await deleteRevocation(svc.db, row.id);
      } else {
        const at = new Date(svc.clock.now().getTime() + backoffMs(attempts, { baseMs: 30_000, capMs: 3_600_000 }));
        svc.logger.warn({ provider: row.provider, attempts, err: (error as Error).message }, 'revocation failed; retrying later');
        await retryRevocationAt(svc.db, row.id, at);
      }
    }
  }
  return claimed.length;
}

async function revoke(svc: Service, row: RevocationRow): Promise<void> {
  const tokens = openTokens(svc.cipher, row.id, row.provider, row);
  if (row.provider === 'whoop') {
    if (!svc.whoop) throw new Error('WHOOP is no longer configured');
    return revokeWhoop(svc.whoop, tokens);
  }
  if (!svc.google) throw new Error('Google Calendar is no longer configured');
  return revokeGoogle(svc, svc.google, row, tokens);
}

/** WHOOP revokes with the access token; an expired one is refreshed first. A refused refresh means the grant is already gone. */
async function revokeWhoop(api: WhoopApi, tokens: { accessToken: string; refreshToken: string }): Promise<void> {
  try {
    await api.revokeAccess(tokens.accessToken);
  } catch (error) {
    if (!(error instanceof WhoopUnauthorizedError)) throw error;
    let fresh;
    try {
      fresh = await api.refresh(tokens.refreshToken);
    } catch (refreshError) {
      if (refreshError instanceof WhoopGrantError) return;
      throw refreshError;
    }
    await api.revokeAccess(fresh.accessToken);
  }
}

/** Stops the user's push channels (best effort), then revokes the grant (the refresh token revokes all of it). */
async function revokeGoogle(svc: Service, api: GoogleApi, row: RevocationRow, tokens: { accessToken: string; refreshToken: string }): Promise<void> {
  if (row.channels.length > 0) {
    const session = api.session({ ...tokens, expiresAt: svc.clock.now(), scope: '' }, async () => undefined);
    for (const channel of row.channels) {
      await session.stopChannel(channel).catch((error: unknown) => svc.logger.warn({ err: (error as Error).message }, 'stopping a push channel failed; it will expire'));
    }
  }
  await api.revoke(tokens.refreshToken);
}
