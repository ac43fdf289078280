import type { Logger } from '@omtobe/platform';
import { tickMockCalendar } from '../providers/mock/mock-calendar.ts';
import { tickMockHrv } from '../providers/mock/mock-hrv.ts';
import type { Deps } from '../operations/deps.ts';
import { renewGraphSubscriptions } from '../providers/microsoft/graph-subscriptions.ts';
import { purgeExpired, reencryptTokens, renewExpiringChannels } from './maintenance.ts';
import { runDueRevocations } from './revocations.ts';
import { runDueSyncs } from './sync.ts';
import { startWakeableLoop } from './wakeable-loop.ts';

export interface Worker {
  /** Runs a tick now (or right after the one under way). */
  wake(): void;
  /** Ends the loop: the tick under way stops at its next boundary (between users, batches, parts) and is awaited. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  intervalMs: number;
  maintenanceEvery: number;
  logger: Logger;
  /** Aborts when the service begins to shut down (`lifecycle.stopping`): no new tick, and the tick under way winds down. */
  signal?: AbortSignal;
}

/**
 * One pass of the background work; each part fails alone. Once `signal` aborts, the part under way
 * stops at its next boundary and no further part starts.
 */
export async function runWorkOnce(deps: Deps, options: { maintenance: boolean; mock: boolean }, logger: Logger, signal?: AbortSignal): Promise<void> {
  const part = async (name: string, work: () => Promise<unknown>) => {
    if (signal?.aborted) return;
    try {
      const result = await work();
      if ((typeof result === 'number' && result > 0) || (typeof result === 'object' && result && Object.values(result).some((n) => n > 0))) {
        logger.debug({ part: name, result }, 'background work done');
      }
    } catch (err) {
      logger.warn({ part: name, err }, 'background work failed; retrying next tick');
    }
  };
  await part('syncs', () => runDueSyncs(deps, undefined, signal));
  await part('revocations', () => runDueRevocations(deps));
  if (options.mock) {
    await part('mock hrv', () => tickMockHrv(deps, signal));
    await part('mock calendar', () => tickMockCalendar(deps, signal));
  }
  if (options.maintenance) {
    await part('retention purge', () => purgeExpired(deps));
    await part('channel renewal', () => renewExpiringChannels(deps));
    await part('graph subscription renewal', () => renewGraphSubscriptions(deps));
    await part('token re-encryption', () => reencryptTokens(deps));
  }
}

/**
 * The background loop: due syncs and revocations every interval (or at once when woken), the mock
 * providers in development, and maintenance (retention purge, push-channel renewal, re-encryption under
 * a rotated key) every `maintenanceEvery` ticks. Ticks never overlap. Stopping (or `signal`) cuts the
 * tick under way short at its next boundary, so the worker is done with the database before the pool
 * closes, however many users a walk has left.
 */
export function startWorker(deps: Deps, options: WorkerOptions): Worker {
  let ticks = 0;
  return startWakeableLoop((signal) => {
    const maintenance = ticks++ % options.maintenanceEvery === 0;
    return runWorkOnce(deps, { maintenance, mock: deps.settings.mock !== undefined }, options.logger, signal);
  }, options);
}
