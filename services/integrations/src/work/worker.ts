import type { Logger } from '@omtobe/platform';
import { tickMockCalendar } from '../mock/mock-calendar.ts';
import { tickMockHrv } from '../mock/mock-hrv.ts';
import type { Service } from '../service.ts';
import { purgeExpired, reencryptTokens, renewExpiringChannels } from './maintenance.ts';
import { runDueRevocations } from './revocations.ts';
import { runDueSyncs } from './sync.ts';

export interface Worker {
  /** Runs a tick now (or right after the one under way). */
  wake(): void;
  stop(): Promise<void>;
}

/** One pass of the background work; each part fails alone. */
export async function runWorkOnce(svc: Service, options: { maintenance: boolean; mock: boolean }, logger: Logger): Promise<void> {
  const part = async (name: string, work: () => Promise<unknown>) => {
    try {
      const result = await work();
      if ((typeof result === 'number' && result > 0) || (typeof result === 'object' && result && Object.values(result).some((n) => n > 0))) {
        logger.debug({ part: name, result }, 'background work done');
      }
    } catch (err) {
      logger.warn({ part: name, err }, 'background work failed; retrying next tick');
    }
  };
  await part('syncs', () => runDueSyncs(svc));
  await part('revocations', () => runDueRevocations(svc));
  if (options.mock) {
    await part('mock hrv', () => tickMockHrv(svc));
    await part('mock calendar', () => tickMockCalendar(svc));
  }
  if (options.maintenance) {
    await part('retention purge', () => purgeExpired(svc));
    await part('channel renewal', () => renewExpiringChannels(svc));
    await part('token re-encryption', () => reencryptTokens(svc));
  }
}

/**
 * The background loop: due syncs and revocations every interval (or at once when woken), the mock
 * providers in development, and maintenance (retention purge, push-channel renewal, re-encryption under
 * a rotated key) every `maintenanceEvery` ticks. Ticks never overlap; stop waits for the one under way.
 */
export function startWorker(svc: Service, options: { intervalMs: number; maintenanceEvery: number; logger: Logger }): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let ticks = 0;

  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    const maintenance = ticks++ % options.maintenanceEvery === 0;
    running = runWorkOnce(svc, { maintenance, mock: svc.settings.mock !== undefined }, options.logger).finally(() => {
      running = undefined;
      if (stopped) return;
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
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
