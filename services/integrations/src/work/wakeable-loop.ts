export interface WakeableLoop {
  /** Runs now, or right after the run under way (wakes during a run come to one more run). */
  wake(): void;
  /** No further run; the run under way is told through its signal and awaited. */
  stop(): Promise<void>;
}

/**
 * The loop of the background worker and the push worker: `run` at once, then `intervalMs` after each run ends, and
 * at once when woken; runs never overlap. Unlike @omtobe/platform's startRepeating it can be woken (a new prompt, a
 * webhook's sync request), and it hands `run` a signal that aborts on `stop()` or on `options.signal` (shutdown
 * begins), so a long run winds down at its next boundary. The timer never keeps a finished process alive.
 */
export function startWakeableLoop(run: (signal: AbortSignal) => Promise<void>, options: { intervalMs: number; signal?: AbortSignal }): WakeableLoop {
  const stopping = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const schedule = (ms: number) => {
    if (signal.aborted) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, ms);
    timer.unref();
  };

  const wake = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    running = run(signal).finally(() => {
      running = undefined;
      if (signal.aborted) return;
      if (again) {
        again = false;
        setImmediate(wake);
      } else {
        schedule(options.intervalMs);
      }
    });
  };
  schedule(0);

  return {
    wake,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
