export interface Repeating {
  /** No run starts after this; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `run` again and again, `intervalMs` after the previous run ended (runs never overlap), until stopped:
 * the loop behind the state engine's due work, the decision log's retention purge and the database watch.
 * `run` handles its own failures (log and try again next time); the timer never keeps a finished process alive.
 */
export function startRepeating(run: () => Promise<unknown>, options: { intervalMs: number; immediately?: boolean }): Repeating {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    timer = undefined;
    running = run().finally(schedule);
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, options.intervalMs);
    timer.unref();
  };
  if (options.immediately) tick();
  else schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}
