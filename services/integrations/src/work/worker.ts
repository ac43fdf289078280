import type { Logger } from '@omtobe/platform';
import { tickMockCalendar } from '../mock/mock-calendar.ts';
import { tickMockHrv } from '../mock/mock-hrv.ts';
import type { Service } from '../service.ts';
import { renewGraphSubscriptions } from '../providers/microsoft/graph-subscriptions.ts';
import { purgeExpired, reencryptTokens, renewExpiringChannels } from './maintenance.ts';
import { runDueRevocations } from './revocations.ts';
import { runDueSyncs } from './sync.ts';

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
export async function runWorkOnce(svc: Service, options: { maintenance: boolean; mock: boolean }, logger: Logger, signal?: AbortSignal): Promise<void> {
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
  await part('syncs', () => runDueSyncs(svc, undefined, signal));
  await part('revocations', () => runDueRevocations(svc));
  if (options.mock) {
    await part('mock hrv', () => tickMockHrv(svc, signal));
    await part('mock calendar', () => tickMockCalendar(svc, signal));
  }
  if (options.maintenance) {
    await part('retention purge', () => purgeExpired(svc));
    await part('channel renewal', () => renewExpiringChannels(svc));
    await part('graph subscription renewal', () => renewGraphSubscriptions(svc));
    await part('token re-encryption', () => reencryptTokens(svc));
  }
}

/**
 * The background loop: due syncs and revocations every interval (or at once when woken), the mock
 * providers in development, and maintenance (retention purge, push-channel renewal, re-encryption under
 * a rotated key) every `maintenanceEvery` ticks. Ticks never overlap. Stopping (or `signal`) cuts the
 * tick under way short at its next boundary, so the worker is done with the database before the pool
 * closes, however many users a walk has left.
 */
export function startWorker(svc: Service, options: WorkerOptions): Worker {
  const stopping = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let ticks = 0;

  const tick = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    const maintenance = ticks++ % options.maintenanceEvery === 0;
    running = runWorkOnce(svc, { maintenance, mock: svc.settings.mock !== undefined }, options.logger, signal).finally(() => {
      running = undefined;
      if (signal.aborted) return;
      if (again) {
        again = false;
        setImmediate(tick);
      } else {
        timer = setTimeout(tick, options.intervalMs);
      }
    });
  };
  timer = setTimeout(tick, 0);

  return {
    wake: tick,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
