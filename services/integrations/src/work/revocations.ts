import { openTokens } from '../operations/connections/token-vault.ts';
import { backoffMs, RateLimitedError } from '../domain/rate-limit.ts';
import { WhoopGrantError, WhoopUnauthorizedError, type WhoopApi } from '../providers/whoop/whoop-api.ts';
import type { GoogleApi } from '../providers/google/google-api.ts';
import { revokeMicrosoftGrant } from '../providers/microsoft/microsoft-revocation.ts';
import { claimDueRevocations, deleteRevocation, retryRevocationAt, type RevocationRow } from '../store/revocations.repo.ts';
import type { Deps } from '../operations/deps.ts';

const minute = 60_000;
const hour = 60 * minute;
const MAX_ATTEMPTS = 6;
/**
 * How long provider rate limits may hold a revocation back without counting attempts, from the first one. WHOOP's
 * limits are the app's: with the day's 10,000 spent, every call waits for the day's reset, so six attempts spent on
 * 429s would give up within minutes and leave the grant alive. Three days is three fresh daily windows; after
 * them a rate limit counts as a failed attempt (still no earlier than the reset), so the six attempts end it.
 */
const RATE_LIMIT_PATIENCE_MS = 72 * hour;

/**
 * Revokes queued grants at their providers (best effort: given up after a few attempts). Returns how many were
 * handled. A row is finished only while the lease it was claimed with is still its own: a batch that outlived
 * its lease leaves the rows another replica took over to that replica.
 */
export async function runDueRevocations(deps: Deps, batchSize = 20): Promise<number> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.settings.workLeaseMs);
  const claimed = await claimDueRevocations(deps.db, now, leaseUntil, batchSize);
  for (const row of claimed) {
    const lost = (outcome: string) =>
      deps.logger.warn({ provider: row.provider, revocation_id: row.id, outcome }, 'revocation outlived its lease: another replica owns it now, this outcome is dropped');
    try {
      await revoke(deps, row);
      if (await deleteRevocation(deps.db, row)) deps.logger.info({ provider: row.provider }, 'grant revoked at the provider');
      else lost('revoked');
    } catch (error) {
      const failedAt = deps.clock.now();
      if (error instanceof RateLimitedError && rateLimitPatience(row, failedAt) > 0) {
        // The provider's limit, not this grant's failure: back at the reset, no attempt counted.
        const waitMs = error.retryAfterMs ?? rateLimitBackoffMs(row, failedAt);
        deps.logger.warn({ provider: row.provider, attempts: row.attempts, retry_in_ms: waitMs }, 'provider rate limit: revocation rescheduled at its reset, no attempt counted');
        if (!(await retryRevocationAt(deps.db, row, new Date(failedAt.getTime() + waitMs), { counted: false, rateLimitedAt: failedAt }))) lost('rate limited');
        continue;
      }
      const attempts = row.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) {
        deps.logger.error({ provider: row.provider, err: (error as Error).message }, 'revocation given up; the grant expires at the provider by itself');
        if (!(await deleteRevocation(deps.db, row))) lost('given up');
      } else {
        const backoff = backoffMs(attempts, { baseMs: 30_000, capMs: hour });
        // A rate limit past the patience counts, but the next try still waits for the reset it named.
        const waitMs = error instanceof RateLimitedError ? Math.max(backoff, error.retryAfterMs ?? 0) : backoff;
        deps.logger.warn({ provider: row.provider, attempts, err: (error as Error).message }, 'revocation failed; retrying later');
        if (!(await retryRevocationAt(deps.db, row, new Date(failedAt.getTime() + waitMs), { counted: true }))) lost('failed');
      }
    }
  }
  return claimed.length;
}

/** How much longer rate limits may hold the row back without counting (the first rate limit starts the clock). */
function rateLimitPatience(row: RevocationRow, now: Date): number {
  const since = row.rate_limited_since ?? now;
  return since.getTime() + RATE_LIMIT_PATIENCE_MS - now.getTime();
}

/**
 * A rate limit that names no reset (Google's 403 rateLimitExceeded asks for exponential backoff): wait as long as
 * rate limits have held the row back so far, a minute at least and an hour at most, so the waits double.
 */
function rateLimitBackoffMs(row: RevocationRow, now: Date): number {
  const heldMs = now.getTime() - (row.rate_limited_since ?? now).getTime();
  return Math.min(hour, Math.max(minute, heldMs));
}

async function revoke(deps: Deps, row: RevocationRow): Promise<void> {
  const tokens = openTokens(deps.cipher, row.id, row.provider, row);
  if (row.provider === 'whoop') {
    if (!deps.whoop) throw new Error('WHOOP is no longer configured');
    return revokeWhoop(deps.whoop, tokens);
  }
  if (row.provider === 'microsoft') {
    if (!deps.microsoft) throw new Error('Microsoft 365 is no longer configured');
    return revokeMicrosoftGrant(deps.microsoft, deps.logger, tokens, row.channels);
  }
  if (!deps.google) throw new Error('Google Calendar is no longer configured');
  return revokeGoogle(deps, deps.google, row, tokens);
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
async function revokeGoogle(deps: Deps, api: GoogleApi, row: RevocationRow, tokens: { accessToken: string; refreshToken: string }): Promise<void> {
  if (row.channels.length > 0) {
    const session = api.session({ ...tokens, expiresAt: deps.clock.now(), scope: '' }, async () => undefined);
    for (const channel of row.channels) {
      await session.stopChannel(channel).catch((error: unknown) => deps.logger.warn({ err: (error as Error).message }, 'stopping a push channel failed; it will expire'));
    }
  }
  await api.revoke(tokens.refreshToken);
}
