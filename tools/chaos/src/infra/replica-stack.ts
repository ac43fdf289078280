import path from 'node:path';
import pg from 'pg';
import { startDevBroker, type DevBroker } from '@omtobe/dev-broker';
import { generateServiceKeys, heapNodeArgs, services, type ProcessGroup, type ServiceSpec } from '@omtobe/dev-stack';
import { topicNamesToCreate } from '@omtobe/events';
import { findFreePort } from '@omtobe/testing';
import { servingAt } from '../measure.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { LogFileProcessGroup } from './log-file-group.ts';
import type { StackOptions } from './single-stack.ts';
import { serviceEnv } from './service-env.ts';

type ServiceName = ServiceSpec['name'];

export interface Replica {
  /** Process name in the group: `<service>-a`, `<service>-b`. */
  name: string;
  port: number;
}

/**
 * Two replicas of every service, each service behind a balancer (its "Service address"): the gateways call
 * the other services through their balancers, and `gatewayUrl` is the gateways' balancer. Replicas of one
 * service share its consumer group (the service name), so they split its partitions. Nothing is restarted.
 */
export interface ReplicaStack {
  gatewayUrl: string;
  replicas: Record<ServiceName, Replica[]>;
  balancers: Record<ServiceName, Balancer>;
  group: ProcessGroup;
  broker: DevBroker;
  pool: pg.Pool;
  stop(): Promise<void>;
}

const replicaNames = ['a', 'b'] as const;

export async function startReplicaStack(options: StackOptions): Promise<ReplicaStack> {
  const broker = await startDevBroker({ topics: topicNamesToCreate('') });
  const databaseUrl = await options.postgres.createDatabase(options.database);
  const group = new LogFileProcessGroup(options.logDir, { log: options.log });
  group.onUnexpectedExit = (name, code, signal) => options.log(`${name} exited (${signal ?? `code ${code}`})`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const balancers: Partial<Record<ServiceName, Balancer>> = {};
  const replicas: Partial<Record<ServiceName, Replica[]>> = {};
  const stop = async () => {
    await group.stopAll(5_000);
    for (const balancer of Object.values(balancers)) await balancer.close();
    await pool.end().catch(() => undefined);
    await broker.stop();
  };
  try {
    const env = serviceEnv(databaseUrl, broker.bootstrap, options.identity);
    const keys = generateServiceKeys(services.map((s) => s.name)); // both replicas of a service share its key
    for (const service of services) {
      const ports = await Promise.all(replicaNames.map(() => findFreePort()));
      balancers[service.name] = await startBalancer(ports);
      replicas[service.name] = replicaNames.map((r, i) => ({ name: `${service.name}-${r}`, port: ports[i]! }));
    }
    const peers = {
      STATE_ENGINE_URL: `http://127.0.0.1:${balancers['state-engine']!.port}`,
      DECISION_LOG_URL: `http://127.0.0.1:${balancers['decision-log']!.port}`,
      INTEGRATIONS_URL: `http://127.0.0.1:${balancers.integrations!.port}`,
    };
    for (const service of services) {
      // One after the other: each replica runs the migrations at start, and two at once would race.
      for (const replica of replicas[service.name]!) {
        group.start({
          name: replica.name,
          command: process.execPath,
          args: [
            '--disable-warning=ExperimentalWarning',
            '--disable-warning=TimeoutNegativeWarning',
            ...heapNodeArgs(service),
            path.join(options.root, 'services', service.name, 'src', 'main.ts'),
          ],
          env: { ...env, ...peers, ...keys(service.name), HOST: '127.0.0.1', PORT: String(replica.port) },
          cwd: options.root,
        });
        if ((await servingAt(replica.port, 60_000)) === undefined) throw new Error(`${replica.name} did not report SERVING within 60 s`);
      }
    }
    options.log(`replica stack up: ${Object.values(replicas).flat().map((r) => `${r!.name}:${r!.port}`).join(' ')}; broker ${broker.bootstrap}`);
    return {
      gatewayUrl: `http://127.0.0.1:${balancers.gateway!.port}`,
      replicas: replicas as Record<ServiceName, Replica[]>,
      balancers: balancers as Record<ServiceName, Balancer>,
      group,
      broker,
      pool,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
