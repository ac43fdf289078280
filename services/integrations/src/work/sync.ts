import { backoffMs, RateLimitedError } from '../domain/rate-limit.ts';
import { syncGoogleCalendar } from '../providers/google/calendar-sync.ts';
import { GoogleGrantError } from '../providers/google/google-api.ts';
import { syncMicrosoftCalendar } from '../providers/microsoft/calendar-delta-sync.ts';
import { MicrosoftGrantError } from '../providers/microsoft/microsoft-auth.ts';
import { microsoftOf } from '../providers/microsoft/microsoft-deps.ts';
import { WhoopGrantError } from '../providers/whoop/whoop-api.ts';
import { whoopSyncStart, syncWhoopRecoveries } from '../providers/whoop/whoop-sync.ts';
import { ConnectionGoneError } from '../providers/whoop/whoop-tokens.ts';
import { claimDueConnections, finishSync, type ConnectionRow } from '../store/connections.repo.ts';
import type { Deps } from '../operations/deps.ts';

const MAX_FAILURE_BACKOFF_MS = 3_600_000;

/**
 * Runs every provider sync that is due (first syncs after connecting, webhook and notification
 * requests, the periodic catch-up), a batch of leased connections at a time. Returns how many ran.
 * Once `signal` aborts (shutdown) no further batch is claimed; the claimed one is finished.
 */
export async function runDueSyncs(deps: Deps, batchSize = 10, signal?: AbortSignal): Promise<number> {
  let total = 0;
  while (!signal?.aborted) {
    const now = deps.clock.now();
    const leaseUntil = new Date(now.getTime() + deps.settings.workLeaseMs);
    const claimed = await claimDueConnections(deps.db, now, leaseUntil, batchSize);
    for (const connection of claimed) await syncOne(deps, connection, leaseUntil);
    total += claimed.length;
    if (claimed.length < batchSize) break;
  }
  return total;
}

async function syncOne(deps: Deps, connection: ConnectionRow, leaseUntil: Date): Promise<void> {
  const { user_id: userId, provider } = connection;
  const claim = { userId, provider, leaseUntil };
  const log = deps.logger.child({ user_id: userId, provider });
  /** Finishes the claim if it is still ours; a sync that outlived its lease leaves the row to its successor. */
  const finish = async (next: Date | null, changes: Parameters<typeof finishSync>[3], force = false): Promise<void> => {
    if (await finishSync(deps.db, claim, next, changes, force)) return;
    log.warn({ lease_until: leaseUntil.toISOString() }, 'sync outlived its lease: the connection is no longer ours (another replica claimed it, or it was reconnected or disconnected); outcome dropped');
  };
  try {
    let interval: number;
    if (provider === 'whoop') {
      const settings = deps.settings.whoop;
      if (!settings) return await finish(null, {});
      const start = whoopSyncStart(deps.clock.now(), connection.last_synced_at, settings.backfillMs);
      const result = await syncWhoopRecoveries(deps, userId, start);
      log.info(result, 'WHOOP recoveries synced');
      interval = settings.syncIntervalMs;
    } else if (provider === 'microsoft') {
      if (!deps.microsoft) return await finish(null, {});
      const result = await syncMicrosoftCalendar(microsoftOf(deps), userId);
      log.info(result, 'Microsoft 365 calendar synced');
      interval = deps.microsoft.settings.syncIntervalMs;
    } else {
      const settings = deps.settings.google;
      if (!settings) return await finish(null, {});
      const result = await syncGoogleCalendar(deps, userId);
      log.info(result, 'calendar synced');
      interval = settings.syncIntervalMs;
    }
    const now = deps.clock.now();
    await finish(new Date(now.getTime() + interval), { last_synced_at: now, sync_failures: 0 });
  } catch (error) {
    const now = deps.clock.now();
    if (error instanceof ConnectionGoneError) return;
    if (error instanceof WhoopGrantError || error instanceof GoogleGrantError || error instanceof MicrosoftGrantError) {
      // The connection stops syncing and ListConnections answers REAUTH_REQUIRED until the user connects again.
      const lost = error instanceof WhoopGrantError && error.afterLostAnswer;
      log.warn(
        { err: error.message, after_lost_answer: lost },
        lost
          ? 'WHOOP refused the refresh token after a refresh whose answer was lost (rotated there, never received): reauth required, the user must connect again'
          : 'the provider refused the grant: reauth required, the user must connect again',
      );
      return finish(null, { status: 'reauth_required' });
    }
    if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) {
      // The provider named the time (Retry-After, WHOOP's X-RateLimit-Reset): that is when to come back, and a
      // limit shared by every user is no failure of this connection, so its backoff does not grow.
      log.warn({ retry_in_ms: error.retryAfterMs }, 'provider rate limit: sync rescheduled at its reset');
      return finish(new Date(now.getTime() + error.retryAfterMs), {}, true);
    }
    const failures = connection.sync_failures + 1;
    if (error instanceof RateLimitedError) {
      // No time named (Google's 403 rateLimitExceeded and the like): exponential backoff, as Google asks.
      const waitMs = backoffMs(failures, { baseMs: 60_000, capMs: MAX_FAILURE_BACKOFF_MS });
      log.warn({ retry_in_ms: waitMs, failures }, 'provider rate limit without a reset: sync backed off');
      return finish(new Date(now.getTime() + waitMs), { sync_failures: failures }, true);
    }
    const waitMs = backoffMs(failures, { baseMs: 60_000, capMs: MAX_FAILURE_BACKOFF_MS });
    log.warn({ err: (error as Error).message, failures, retry_in_ms: waitMs }, 'sync failed');
    await finish(new Date(now.getTime() + waitMs), { sync_failures: failures });
  }
}
