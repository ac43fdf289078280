import { sql, type QueryExecutorProvider } from 'kysely';
import { startRepeating, type Logger, type Repeating } from '@omtobe/platform';

export interface DatabaseWatchOptions {
  db: QueryExecutorProvider;
  /** Told on every change: false when the database stopped answering, true when it answers again. */
  onChange: (reachable: boolean) => void;
  logger: Logger;
  /** Time between two pings. */
  intervalMs: number;
  /** A ping slower than this counts as a failure. */
  timeoutMs: number;
}

/**
 * Pings the database (`select 1` through the pool) and reports when it becomes unreachable and when it is
 * back: readiness follows the store, so a replica without its database leaves the balancer's rotation and
 * returns by itself. One log line per change, not per failed ping.
 */
export function watchDatabase(options: DatabaseWatchOptions): Repeating {
  let reachable = true;
  let downSince = 0;

  const ping = async () => {
    let failure: unknown;
    try {
      await withTimeout(sql`select 1`.execute(options.db), options.timeoutMs);
    } catch (error) {
      failure = error;
    }
    const now = failure === undefined;
    if (now === reachable) return;
    reachable = now;
    if (now) {
      options.logger.info({ unreachable_ms: Date.now() - downSince }, 'database reachable again');
    } else {
      downSince = Date.now();
      options.logger.error({ err: failure }, 'database unreachable: not ready until it answers again');
    }
    options.onChange(now);
  };

  return startRepeating(ping, { intervalMs: options.intervalMs });
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
