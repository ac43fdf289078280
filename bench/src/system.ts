import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ProcessGroup, services, startInfrastructure, startServices, type Infrastructure, type ServicePorts } from '@omtobe/dev-stack';
import { findFreePort } from '@omtobe/testing';

export interface SystemOptions {
  root: string;
  /** A fresh directory of this run: PostgreSQL keeps its data under it (never the repository's .data/). */
  tempDir: string;
  /** The gateway verifies tokens against this JWKS (the benchmark's identity provider). */
  jwks: { url: string; issuer: string; audience: string };
  mocks: boolean;
  /** Where the services write their CPU profiles; no profiling when absent. */
  profileDir?: string;
  /** More Node.js arguments for every service (experiments: --heapsnapshot-signal, --max-semi-space-size…). */
  nodeArgs?: string[];
  /** More environment for every service, over the benchmark's own (the delivery scenario: the fake APNs, stream limits). */
  env?: Record<string, string>;
  say: (line: string) => void;
}

export interface RunningSystem {
  databaseUrl: string;
  gatewayUrl: string;
  ports: ServicePorts;
  /** Process id of each service. */
  pids(): Record<string, number | undefined>;
  /** Rejects when a service dies while the benchmark runs. */
  crashed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * The system as `npm start` runs it (tools/dev-stack): embedded PostgreSQL and the development broker, the
 * four services as processes in development mode — on free ports, with a throwaway data directory, quiet
 * logs and quiet mock providers, and the gateway trusting the benchmark's identity provider.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  // `startInfrastructure` keeps PostgreSQL's data under <root>/.data/postgres: give it the temp dir as root.
  // As root, postgres runs as its own OS user, which must be able to traverse every parent directory.
  const dataRoot = path.join(options.tempDir, 'root');
  await mkdir(path.join(dataRoot, '.data'), { recursive: true });
  for (const dir of [options.tempDir, dataRoot, path.join(dataRoot, '.data')]) await chmod(dir, 0o755);

  const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
  const infrastructure: Infrastructure = await startInfrastructure(
    dataRoot,
    { ...inherited, OMTOBE_PG_PORT: String(await findFreePort()), OMTOBE_KAFKA_PORT: String(await findFreePort()) },
    options.say,
  );
  const group = new ProcessGroup();
  const stopping = new AbortController();
  let reportCrash: (error: Error) => void = () => undefined;
  const crashed = new Promise<never>((_resolve, reject) => {
    reportCrash = reject;
  });
  crashed.catch(() => undefined); // observed by whoever races it
  group.onUnexpectedExit = (name, code, signal) => reportCrash(new Error(`${name} exited during the benchmark (${signal ?? `code ${code}`})`));

  const stop = async () => {
    stopping.abort();
    await group.stopAll();
    await infrastructure.stop();
  };
  try {
    const free = await Promise.all(services.map(() => findFreePort()));
    const ports = await startServices({
      root: options.root,
      group,
      stopping: stopping.signal,
      ports: Object.fromEntries(services.map((s, i) => [s.name, free[i]])),
      env: {
        ...inherited,
        OMTOBE_MODE: 'development',
        DATABASE_URL: infrastructure.databaseUrl,
        KAFKA_BROKERS: infrastructure.kafkaBrokers,
        // As tools/dev-stack/src/main.ts sets them for `npm start`.
        KAFKA_MAX_WAIT_MS: '100',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'warn',
        MOCK_HRV_BACKFILL_DAYS: '0',
        MOCK_HRV_INTERVAL_MINUTES: '100000',
        MOCK_CALENDAR_DAYS: '0',
        // Quiet when on; off unless asked for (see options.ts: even quiet, they walk every known user).
        MOCK_PROVIDERS: options.mocks ? 'true' : 'false',
        JWKS_URL: options.jwks.url,
        JWT_ISSUER: options.jwks.issuer,
        JWT_AUDIENCE: options.jwks.audience,
        // The per-user limit (120/min) would answer 429 once 1,000 users are polled thousands of times a
        // second; the limiter still runs on every request, only its ceiling is out of the way.
        RATE_LIMIT_CHECK_PER_MINUTE: '100000000',
        ...options.env,
      },
      nodeArgs: Object.fromEntries(
        services.map((s) => [
          s.name,
          [
            ...(options.nodeArgs ?? []),
            ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${s.name}.cpuprofile`] : []),
          ],
        ]),
      ),
    });
    return {
      databaseUrl: infrastructure.databaseUrl,
      gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
      ports,
      pids: () => Object.fromEntries(services.map((s) => [s.name, group.child(s.name)?.pid])),
      crashed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
