import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, findFreePort, testKafkaBrokers } from '@omtobe/testing';
import { ProcessGroup, type RestartPolicy } from './process-group.ts';
import { generateServiceKeys, type ServiceKeys } from './service-keys.ts';
import { services } from './services.ts';
import { startServices, type ServicePorts } from './stack.ts';

export interface RunningTestStack {
  ports: ServicePorts;
  /** http://127.0.0.1:<gateway port> */
  gatewayUrl: string;
  group: ProcessGroup;
  /**
   * The service-token keys the stack's services were given (SERVICE_PRIVATE_KEY, SERVICE_PUBLIC_KEYS): a test
   * that calls a service directly signs as the gateway with `serviceKeys('gateway')`.
   */
  serviceKeys: ServiceKeys;
  /** The stack's database (every service's schema in it): tests that check what a service stored read it directly. */
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Supervise the services as `npm start` does (off by default: most tests want a stopped service to stay down). */
  restart?: RestartPolicy;
  /** Every log line of every service, as written (tests that scan the logs; set LOG_LEVEL in `env` to choose how much). */
  onLogLine?: (service: string, line: string) => void;
  /**
   * OMTOBE_MODE of every service (default development). Production services do not migrate on start: each
   * service's migrate.ts runs first, as the deployment's migration Jobs do. Production gets a fresh
   * TOKEN_ENCRYPTION_KEYS unless `env` brings one (as it gets fresh service keys); what else production needs —
   * JWKS_URL and JWT_ISSUER, push credentials — comes in `env`, so a test shows what a deployment must provide.
   */
  mode?: 'development' | 'production';
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The four services as separate processes on the test run's PostgreSQL (a fresh database) and broker (a
 * fresh topic prefix), on free ports, in development mode unless `options.mode` says production. Logs are discarded
 * unless TEST_LOG_LEVEL is set.
 */
export async function startTestStack(env: NodeJS.ProcessEnv = {}, options: TestStackOptions = {}): Promise<RunningTestStack> {
  const database = await createTestDatabase('stack');
  const printLogs = process.env.TEST_LOG_LEVEL !== undefined;
  const group = new ProcessGroup({
    printLogs,
    restart: options.restart,
    log: printLogs ? undefined : () => undefined,
    ...(options.onLogLine ? { onOutput: options.onLogLine } : {}),
  });
  const stopping = new AbortController();
  const stop = async () => {
    stopping.abort();
    await group.stopAll();
    await database.drop();
  };
  try {
    const freePorts = await Promise.all(services.map(() => findFreePort()));
    const serviceKeys = generateServiceKeys(services.map((s) => s.name));
    if (options.mode === 'production') await migrate(database.url);
    const ports = await startServices({
      serviceKeys,
      root,
      group,
      stopping: stopping.signal,
      ports: Object.fromEntries(services.map((s, i) => [s.name, freePorts[i]])),
      env: {
        ...process.env,
        OMTOBE_MODE: options.mode ?? 'development',
        ...(options.mode === 'production' ? { TOKEN_ENCRYPTION_KEYS: `stack:${randomBytes(32).toString('base64')}` } : {}),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_TOPIC_PREFIX: `t${randomUUID().slice(0, 8)}.`,
        KAFKA_MAX_WAIT_MS: '100',
        KAFKA_SESSION_TIMEOUT_MS: '4000',
        OUTBOX_POLL_INTERVAL_MS: '200',
        ...env,
      },
    });
    return { ports, gatewayUrl: `http://127.0.0.1:${ports.gateway}`, group, serviceKeys, databaseUrl: database.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Every service's migrations, as the migration Jobs apply them before a deployment's services start. */
async function migrate(databaseUrl: string): Promise<void> {
  for (const service of services) {
    const script = path.join(root, 'services', service.name, 'src', 'migrate.ts');
    await promisify(execFile)(process.execPath, ['--disable-warning=ExperimentalWarning', script], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl } }).catch((error: { stderr?: string }) => {
      throw new Error(`migrating ${service.name} failed: ${error.stderr ?? String(error)}`);
    });
  }
}
