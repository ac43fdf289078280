import type { Logger } from '@omtobe/platform';
import type { PushDispatcher } from '../operations/push/deliver-pushes.ts';
import { startWakeableLoop, type WakeableLoop } from './wakeable-loop.ts';

export interface PushWorker {
  /** Claims due pushes now (or right after the pass under way): the prompts consumer calls it after each commit. */
  wake(): void;
  /** No new pass; waits for the pass under way and the sends in flight (each ends by its timeout). */
  stop(): Promise<void>;
}

/**
 * The push loop, apart from the background worker (work/worker.ts) because a brake cannot wait for a sync walk:
 * a pass every PUSH_POLL_INTERVAL_MS (retries and the rows of other replicas' crashed sends come due by time),
 * and at once when woken. A pass only claims and starts sends; when sends end, another pass picks up what is
 * left. Passes never overlap.
 */
export function startPushWorker(dispatcher: PushDispatcher, options: { intervalMs: number; logger: Logger; signal?: AbortSignal }): PushWorker {
  const loop: WakeableLoop = startWakeableLoop(
    () =>
      dispatcher
        .runOnce()
        .then(({ claimed, settled }) => {
          // A full batch may mean more is due; and slots freed by finished sends can take the next rows.
          if (claimed > 0) void settled.then(() => loop.wake());
        })
        .catch((err: unknown) => options.logger.warn({ err }, 'push pass failed; trying again next interval')),
    options,
  );
  return {
    wake: loop.wake,
    async stop() {
      await loop.stop();
      await dispatcher.drain();
    },
  };
}
