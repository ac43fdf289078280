import type { HealthRegistry } from './health.ts';
import type { Logger } from './logger.ts';

export interface Lifecycle {
  /**
   * Registers how to stop a component that has just started. On shutdown the stops run one at a
   * time in reverse order of registration (server drain before consumers, relays, pools), each
   * bounded by `timeoutMs`. A component registered while the stops run is stopped next.
   */
  onStop(name: string, stop: () => unknown, options?: { timeoutMs?: number }): void;
  /** Aborts when shutdown begins: long loops and slow starts watch it. */
  readonly stopping: AbortSignal;
}

export interface LifecycleController extends Lifecycle {
  /** Runs the shutdown once (later calls share it); resolves true when every stop succeeded in time. */
  shutdown(reason: string): Promise<boolean>;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Set NOT_SERVING before anything stops, so probes and balancers turn away first. */
  health?: HealthRegistry;
  /** Default time a stop step may take. */
  stepTimeoutMs?: number;
  /** Pause between NOT_SERVING and the first stop, for load balancers to notice. */
  drainDelayMs?: number;
}

interface Step {
  name: string;
  stop: () => unknown;
  timeoutMs: number;
}

/** The ordered-stop core of `runService`, without process signals: tests call `shutdown()`. */
export function createLifecycle(options: LifecycleOptions): LifecycleController {
  const { logger } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const steps: Step[] = [];
  const stopping = new AbortController();
  let result: Promise<boolean> | undefined;
  let clean = true;

  const runStep = async (step: Step) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      await withTimeout(Promise.resolve().then(step.stop), step.timeoutMs);
      logger.info({ step: step.name, duration_ms: elapsed() }, 'stopped');
    } catch (error) {
      clean = false;
      logger.error({ step: step.name, duration_ms: elapsed(), err: error }, 'stop failed');
    }
  };

  return {
    stopping: stopping.signal,

    onStop(name, stop, stepOptions) {
      const step = { name, stop, timeoutMs: stepOptions?.timeoutMs ?? stepTimeoutMs };
      steps.push(step);
    },

    shutdown(reason) {
      result ??= (async () => {
        logger.info({ reason }, 'shutting down');
        stopping.abort();
        options.health?.enterShutdown();
        if ((options.drainDelayMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
        for (let step = steps.pop(); step !== undefined; step = steps.pop()) await runStep(step);
        return clean;
      })();
      return result;
    },
  };
}

export interface RunServiceOptions {
  name: string;
  logger: Logger;
  health?: HealthRegistry;
  /** Starts the components in order, registering each one's stop with `lifecycle.onStop`. */
  start: (lifecycle: Lifecycle) => Promise<void> | void;
  stepTimeoutMs?: number;
  drainDelayMs?: number;
  /** SIGTERM/SIGINT stop the service, uncaught errors stop it with exit code 1. Default true. */
  handleProcessEvents?: boolean;
  /** Default `process.exit`. */
  exit?: (code: number) => void;
}

export interface RunningService {
  readonly stopping: AbortSignal;
  /** Stops everything and exits: 0 when every stop succeeded, else 1. Resolves to the exit code. */
  shutdown(reason: string): Promise<number>;
}

/**
 * The composition root's frame: start components in order; on SIGTERM/SIGINT go NOT_SERVING and
 * stop them in reverse. A failed start logs, stops what did start, and exits 1. A second signal
 * during the shutdown exits 1 at once.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const lifecycle = createLifecycle(options);
  let exiting: Promise<number> | undefined;

  const stop = (reason: string, failed: boolean) =>
    (exiting ??= lifecycle.shutdown(reason).then((clean) => {
      const code = clean && !failed ? 0 : 1;
      (code === 0 ? logger.info : logger.error).call(logger, { exit_code: code }, 'service stopped');
      removeProcessHandlers();
      exit(code);
      return code;
    }));

  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting === undefined) return void stop(signal, false);
    logger.warn({ signal }, 'second signal during shutdown: exiting now');
    exit(1);
  };
  const onFatal = (error: unknown) => {
    logger.fatal({ err: error }, 'uncaught error');
    void stop('uncaught error', true);
  };
  const removeProcessHandlers = () => {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal).off('uncaughtException', onFatal).off('unhandledRejection', onFatal);
  };
  if (options.handleProcessEvents ?? true) {
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal).on('uncaughtException', onFatal).on('unhandledRejection', onFatal);
  }

  const started = performance.now();
  logger.info({ name: options.name, pid: process.pid, node: process.version }, 'starting');
  try {
    await options.start(lifecycle);
    logger.info({ startup_ms: Math.round(performance.now() - started) }, 'started');
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    await stop('start failed', true);
  }
  return { stopping: lifecycle.stopping, shutdown: (reason) => stop(reason, false) };
}

async function withTimeout(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
