import pg from 'pg';
import { startDevBroker, type DevBroker } from '@omtobe/dev-broker';
import { services, startServices, type ProcessGroup, type ServicePorts } from '@omtobe/dev-stack';
import { topicNamesToCreate } from '@omtobe/events';
import { findFreePort } from '@omtobe/testing';
import type { Identity } from './identity.ts';
import { LogFileProcessGroup } from './log-file-group.ts';
import type { RestartablePostgres } from './postgres.ts';
import { serviceEnv } from './service-env.ts';

/** The four services, one process each, supervised as `npm start` does, on the run's database and broker. */
export interface ChaosStack {
  gatewayUrl: string;
  ports: ServicePorts;
  group: ProcessGroup;
  broker: DevBroker;
  /** The stack's database, for checks the public API cannot make (what integrations and the state engine hold). */
  pool: pg.Pool;
  stop(): Promise<void>;
}

export interface StackOptions {
  root: string;
  logDir: string;
  postgres: RestartablePostgres;
  database: string;
  identity: Identity;
  log: (line: string) => void;
}

export async function startSingleStack(options: StackOptions): Promise<ChaosStack> {
  const broker = await startDevBroker({ topics: topicNamesToCreate('') });
  const databaseUrl = await options.postgres.createDatabase(options.database);
  // Restarted after half a second, and a run of 10 s counts as healthy: every kill starts from the first delay.
  const group = new LogFileProcessGroup(options.logDir, { restart: { initialDelayMs: 500, maxDelayMs: 5_000, stableAfterMs: 10_000 }, log: options.log });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Idle connections die with every PostgreSQL restart: that is expected here, not a crash.
  pool.on('error', () => undefined);
  const stopping = new AbortController();
  const stop = async () => {
    stopping.abort();
    await group.stopAll(5_000);
    await pool.end().catch(() => undefined);
    await broker.stop();
  };
  try {
    const freePorts = await Promise.all(services.map(() => findFreePort()));
    const ports = await startServices({
      root: options.root,
      group,
      env: serviceEnv(databaseUrl, broker.bootstrap, options.identity),
      ports: Object.fromEntries(services.map((s, i) => [s.name, freePorts[i]])),
      stopping: stopping.signal,
    });
    options.log(`stack up: ${services.map((s) => `${s.name}:${ports[s.name]}`).join(' ')}; broker ${broker.bootstrap}; logs in ${options.logDir}`);
    return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, ports, group, broker, pool, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

