import { startRepeating, type Logger } from '@omtobe/platform';
import type { Deps } from '../operations/deps.ts';
import { purgeExpired } from '../operations/retention.ts';

export interface RetentionOptions {
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
}

export interface Retention {
  /** One purge now (also what the timer runs). */
  runOnce(): Promise<{ decisions: number; reflections: number }>;
  /** No further runs; waits for a run under way. */
  stop(): Promise<void>;
}

/**
 * Purges rows older than the retention period right away and then every `intervalMs`. "Now" comes from
 * `deps.clock` (development's advanced time and tests move it); the timer only paces the runs.
 * Runs never overlap: the next one is scheduled when the previous one finished. A failed run is logged
 * and retried at the next interval.
 */
export function startRetention(deps: Deps, options: RetentionOptions): Retention {
  const { logger, retentionDays, intervalMs } = options;

  const runOnce = async () => {
    const { cutoff, ...purged } = await purgeExpired(deps, retentionDays);
    if (purged.decisions + purged.reflections > 0) logger.info({ cutoff: cutoff.toISOString(), ...purged }, 'retention purge');
    return purged;
  };

  const loop = startRepeating(
    () => runOnce().catch((err: unknown) => logger.warn({ err }, 'retention purge failed; retrying at the next interval')),
    { intervalMs, immediately: true },
  );
  return { runOnce, stop: () => loop.stop() };
}
