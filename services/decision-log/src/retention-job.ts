import type { Kysely } from 'kysely';
import { startRepeating, type Clock, type Logger } from '@omtobe/platform';
import { retentionCutoff } from './domain/retention.ts';
import type { Database } from './store/database.ts';
import { purgeOlderThan } from './store/retention.repo.ts';

export interface RetentionJobOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
}

export interface RetentionJob {
  /** One purge now (also what the timer runs). */
  runOnce(): Promise<{ decisions: number; reflections: number }>;
  /** No further runs; waits for a run under way. */
  stop(): Promise<void>;
}

/**
 * Purges rows older than the retention period right away and then every `intervalMs`. "Now" comes from
 * the injected clock (development's advanced time and tests move it); the timer only paces the runs.
 * Runs never overlap: the next one is scheduled when the previous one finished. A failed run is logged
 * and retried at the next interval.
 */
export function startRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { db, clock, logger, retentionDays, intervalMs } = options;

  const runOnce = async () => {
    const cutoff = retentionCutoff(clock.now(), retentionDays);
    const purged = await purgeOlderThan(db, cutoff);
    if (purged.decisions + purged.reflections > 0) logger.info({ cutoff: cutoff.toISOString(), ...purged }, 'retention purge');
    return purged;
  };

  const loop = startRepeating(
    () => runOnce().catch((err: unknown) => logger.warn({ err }, 'retention purge failed; retrying at the next interval')),
    { intervalMs, immediately: true },
  );
  return { runOnce, stop: () => loop.stop() };
}
