import type { Transaction } from 'kysely';
import { enqueueEvents } from '@omtobe/events';
import { isPlausibleHrv } from '../../domain/hrv-sample-validation.ts';
import { recordSample, withdrawSample, type HrvEvent } from '../../operations/ingest/hrv-samples.ts';
import { holdConnection } from '../../store/connections.repo.ts';
import type { Database } from '../../store/database.ts';
import type { Deps } from '../../operations/deps.ts';
import type { WhoopRecovery } from './whoop-api.ts';
import { ConnectionGoneError, whoopOf, withWhoopToken } from './whoop-tokens.ts';

/** A recovery can be re-scored for a while after it is created: catch-up syncs re-read this far back. */
const RESCORE_OVERLAP_MS = 48 * 3_600_000;

/** Where a sync starts reading: the backfill window on the first sync, a short overlap after that. */
export function whoopSyncStart(now: Date, lastSyncedAt: Date | null, backfillMs: number): Date {
  const backfill = now.getTime() - backfillMs;
  if (!lastSyncedAt) return new Date(backfill);
  return new Date(Math.max(backfill, lastSyncedAt.getTime() - RESCORE_OVERLAP_MS));
}

/**
 * Reads the user's recoveries since `start`, page by page (`nextToken`), and turns each scored one into
 * an RMSSD sample keyed by its sleep id (a recovery is measured during that sleep; WHOOP's webhooks name
 * it by the same id). A recovery that became unscorable withdraws its sample. Each page is written in one
 * transaction that holds the connection, so nothing is written for a user who disconnected meanwhile.
 */
export async function syncWhoopRecoveries(deps: Deps, userId: string, start: Date): Promise<{ pages: number; published: number }> {
  const api = whoopOf(deps);
  let nextToken: string | undefined;
  let pages = 0;
  let published = 0;
  do {
    const page = await withWhoopToken(deps, userId, (token) => api.recoveries(token, { start, limit: 25, ...(nextToken ? { nextToken } : {}) }));
    pages += 1;
    const now = deps.clock.now();
    published += await deps.db.transaction().execute(async (trx) => {
      if (!(await holdConnection(trx, userId, 'whoop'))) throw new ConnectionGoneError();
      const events: HrvEvent[] = [];
      for (const recovery of page.records) {
        const event = await applyRecovery(deps, trx, userId, recovery, now);
        if (event) events.push(event);
      }
      await enqueueEvents(trx, events);
      return events.length;
    });
    nextToken = page.nextToken;
  } while (nextToken);
  return { pages, published };
}

/** Stores what one recovery means; the event to publish when something changed. */
async function applyRecovery(deps: Deps, trx: Transaction<Database>, userId: string, recovery: WhoopRecovery, now: Date): Promise<HrvEvent | undefined> {
  if (recovery.scoreState === 'UNSCORABLE') return withdrawSample(trx, userId, 'whoop', recovery.sleepId, now);
  if (recovery.scoreState !== 'SCORED' || recovery.hrvRmssdMilli === undefined) return undefined;
  if (!isPlausibleHrv(recovery.hrvRmssdMilli, deps.settings.hrv)) {
    deps.logger.warn({ user_id: userId, provider: 'whoop' }, 'implausible WHOOP HRV value skipped');
    return undefined;
  }
  if (recovery.createdAt.getTime() < now.getTime() - deps.settings.hrv.retentionMs) return undefined;
  return recordSample(
    trx,
    {
      user_id: userId,
      source: 'whoop',
      sample_id: recovery.sleepId,
      metric: 'rmssd',
      value_ms: recovery.hrvRmssdMilli,
      // WHOOP scores a recovery when the sleep ends: its creation time stands for when it was measured.
      measured_at: recovery.createdAt,
      received_at: now,
    },
    // WHOOP's times are its own clock's: one from the future is skipped (and logged) like any source's.
    { now, clockSkewToleranceMs: deps.settings.hrv.clockSkewToleranceMs, logger: deps.logger },
  );
}
