import { randomUUID } from 'node:crypto';
import path from 'node:path';
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
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Supervise the services as `npm start` does (off by default: most tests want a stopped service to stay down). */
  restart?: RestartPolicy;
  /** Every log line of every service, as written (tests that scan the logs; set LOG_LEVEL in `env` to choose how much). */
  onLogLine?: (service: string, line: string) => void;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The four services as separate processes on the test run's PostgreSQL (a fresh database) and broker (a
 * fresh topic prefix), on free ports, in development mode. Logs are discarded unless TEST_LOG_LEVEL is set.
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
    const ports = await startServices({
      serviceKeys,
      root,
      group,
      stopping: stopping.signal,
      ports: Object.fromEntries(services.map((s, i) => [s.name, freePorts[i]])),
      env: {
        ...process.env,
        OMTOBE_MODE: 'development',
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
    return { ports, gatewayUrl: `http://127.0.0.1:${ports.gateway}`, group, serviceKeys, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
