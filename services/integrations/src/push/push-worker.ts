import type { Logger } from '@omtobe/platform';
import type { PushDispatcher } from './deliver-pushes.ts';

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
  const stopping = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const schedule = (ms: number) => {
    if (signal.aborted) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(pass, ms);
    timer.unref();
  };

  const pass = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    running = dispatcher
      .runOnce()
      .then(({ claimed, settled }) => {
        // A full batch may mean more is due; and slots freed by finished sends can take the next rows.
        if (claimed > 0) void settled.then(() => pass());
      })
      .catch((err: unknown) => options.logger.warn({ err }, 'push pass failed; trying again next interval'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          setImmediate(pass);
        } else {
          schedule(options.intervalMs);
        }
      });
  };
  schedule(0);

  return {
    wake: pass,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
      await dispatcher.drain();
    },
  };
}
