import path from 'node:path';
import { waitUntilServing } from './health.ts';
import type { ProcessGroup } from './process-group.ts';
import { generateServiceKeys, type ServiceKeys } from './service-keys.ts';
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
  /** Service-token keys per service (generateServiceKeys); default: made here for this stack, unless env brings SERVICE_PUBLIC_KEYS. */
  serviceKeys?: ServiceKeys;
  /** Extra Node.js arguments per service, before its script (the benchmark's `--cpu-prof`, say). */
  nodeArgs?: Partial<Record<ServiceSpec['name'], string[]>>;
}

/** Starts the four services as separate processes, each once the previous one reports SERVING. */
export async function startServices(options: StartServicesOptions): Promise<ServicePorts> {
  const ports = Object.fromEntries(services.map((s) => [s.name, options.ports?.[s.name] ?? s.port])) as ServicePorts;
  // Keys made for this stack, unless the caller brought its own (a test of refused keys, say).
  const keys = options.serviceKeys ?? (options.env.SERVICE_PUBLIC_KEYS === undefined ? generateServiceKeys(services.map((s) => s.name)) : () => ({}));
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
      env: { ...serviceEnv(service, ports, options.env), ...keys(service.name) },
      cwd: options.root,
    });
    await waitUntilServing(service.name, ports[service.name], options.startTimeoutMs ?? 60_000, options.stopping);
  }
  return ports;
}

/**
 * A service's environment under `npm start`: loopback only, whatever the caller's environment says (a HOST
 * exported by a shell must not put the development token issuer on the network), its port and its peers'.
 */
export function serviceEnv(service: ServiceSpec, ports: ServicePorts, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    HOST: '127.0.0.1',
    UNSAFE_DEVELOPMENT_ON_NETWORK: undefined,
    PORT: String(ports[service.name]),
    STATE_ENGINE_URL: `http://127.0.0.1:${ports['state-engine']}`,
    DECISION_LOG_URL: `http://127.0.0.1:${ports['decision-log']}`,
    INTEGRATIONS_URL: `http://127.0.0.1:${ports.integrations}`,
  };
}
