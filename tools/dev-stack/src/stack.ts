import path from 'node:path';
import { waitUntilServing } from './health.ts';
import type { ProcessGroup } from './process-group.ts';
import { heapNodeArgs, services, type ServiceSpec } from './services.ts';

export type ServicePorts = Record<ServiceSpec['name'], number>;

export interface StartServicesOptions {
  root: string;
  group: ProcessGroup;
  /** DATABASE_URL, KAFKA_BROKERS and anything else every service gets. */
  env: NodeJS.ProcessEnv;
  /** Ports to use instead of the defaults (tests pick free ones). */
  ports?: Partial<ServicePorts>;
  stopping: AbortSignal;
  startTimeoutMs?: number;
  /** Extra Node.js arguments per service, before its script (the benchmark's `--cpu-prof`, say). */
  nodeArgs?: Partial<Record<ServiceSpec['name'], string[]>>;
}

/** Starts the four services as separate processes, each once the previous one reports SERVING. */
export async function startServices(options: StartServicesOptions): Promise<ServicePorts> {
  const ports = Object.fromEntries(services.map((s) => [s.name, options.ports?.[s.name] ?? s.port])) as ServicePorts;
  const peers = {
    STATE_ENGINE_URL: `http://127.0.0.1:${ports['state-engine']}`,
    DECISION_LOG_URL: `http://127.0.0.1:${ports['decision-log']}`,
    INTEGRATIONS_URL: `http://127.0.0.1:${ports.integrations}`,
  };
  for (const service of services) {
    options.group.start({
      name: service.name,
      command: process.execPath,
      // kafkajs 2.2.4 sets negative timers on Node 24 (harmless, and noisy on every start).
      args: [
        '--disable-warning=ExperimentalWarning',
        '--disable-warning=TimeoutNegativeWarning',
        ...heapNodeArgs(service),
        // Later flags win: an experiment's own heap size replaces the one above.
        ...(options.nodeArgs?.[service.name] ?? []),
        path.join(options.root, 'services', service.name, 'src', 'main.ts'),
      ],
      env: { ...options.env, ...peers, PORT: String(ports[service.name]) },
      cwd: options.root,
    });
    await waitUntilServing(service.name, ports[service.name], options.startTimeoutMs ?? 60_000, options.stopping);
  }
  return ports;
}
