import { startRepeating, type Logger, type Repeating } from '@omtobe/platform';
import { purgeEndedEvents } from '../store/calendar-events.repo.ts';
import { lockLatest, purgeLatest, purgeSamples } from '../store/hrv.repo.ts';
import { purgeAnswers } from '../store/idempotency.repo.ts';
import { lockDueUserStates } from '../store/user-states.repo.ts';
import { refreshLatest } from '../operations/baselines.ts';
import type { Deps } from '../operations/deps.ts';
import { reconcilePrompt } from '../operations/prompts.ts';
import { rollOverIfDue } from '../operations/rollover.ts';

export interface Retention {
  hrvDays: number;
  eventHours: number;
  idempotencyHours: number;
}

/**
 * Does every user's due time-driven work — starts the cycles that are due, and publishes the prompt changes due
 * at their instants (an event starts or ends, cooling ends, a reading goes stale, a day begins, the reflection opens
 * or closes) — in batches of users locked with SKIP LOCKED (several replicas share the work without taking the same
 * user), so GetState, the CycleReset events and the pushes are on time even when nobody calls. Returns how many users
 * were due.
 */
export async function runDueWork(deps: Deps, batchSize = 100): Promise<number> {
  let total = 0;
  for (;;) {
    const now = deps.clock.now();
    const count = await deps.db.transaction().execute(async (trx) => {
      const due = await lockDueUserStates(trx, now, batchSize);
      for (const state of due) {
        await rollOverIfDue(trx, state, now);
        await reconcilePrompt(trx, state.user_id, now, deps.rules);
      }
      return due.length;
    });
    total += count;
    if (count < batchSize) return total;
  }
}

/**
 * Deletes what has outlived its use: samples past every baseline window, ended events, old idempotency keys —
 * and what was derived from the samples with them: a latest reading whose sample is purged goes, and one
 * whose baseline counted a purged sample is computed again from the samples that remain (an inactive user's
 * reading and baseline would otherwise be kept for ever).
 */
export async function purgeExpired(deps: Deps, retention: Retention): Promise<Record<string, number>> {
  const now = deps.clock.now();
  const hour = 3_600_000;
  const hrvCutoff = new Date(now.getTime() - retention.hrvDays * 24 * hour);
  const samples = await purgeSamples(deps.db, hrvCutoff, deps.rules.baselineWindowDays);
  const latestPurged = await purgeLatest(deps.db, hrvCutoff);
  for (const { userId, metric, timeZone } of samples.affected) {
    await deps.db.transaction().execute(async (trx) => {
      await lockLatest(trx, userId, metric);
      await refreshLatest(trx, userId, metric, timeZone, deps.rules, now);
    });
  }
  return {
    hrv_samples: samples.deleted,
    hrv_latest: latestPurged,
    hrv_latest_recomputed: samples.affected.length,
    high_stakes_events: await purgeEndedEvents(deps.db, new Date(now.getTime() - retention.eventHours * hour)),
    idempotency_keys: await purgeAnswers(deps.db, new Date(now.getTime() - retention.idempotencyHours * hour)),
  };
}

/** The loop behind both: rollovers every interval, the purge every 60 intervals; stopped by the lifecycle. */
export function startDueWork(deps: Deps, options: { intervalMs: number; retention: Retention; logger: Logger }): Repeating {
  let ticks = 0;
  const tick = async () => {
    try {
      const due = await runDueWork(deps);
      if (due > 0) options.logger.debug({ users: due }, 'due work done');
      if (ticks++ % 60 === 0) {
        const purged = await purgeExpired(deps, options.retention);
        if (Object.values(purged).some((n) => n > 0)) options.logger.info({ purged }, 'retention purge');
      }
    } catch (err) {
      options.logger.warn({ err }, 'due work failed; retrying next interval');
    }
  };
  return startRepeating(tick, { intervalMs: options.intervalMs });
}
