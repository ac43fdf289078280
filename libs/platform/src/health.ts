export type ServingStatus = 'SERVING' | 'NOT_SERVING';

type Listener = (service: string, status: ServingStatus) => void;

/**
 * Serving status of the process ("" — what Kubernetes probes ask for) and of named parts
 * (e.g. "omtobe.state_engine.v1.StateEngineService"). It starts NOT_SERVING: main.ts sets SERVING
 * once everything is up. After `enterShutdown()` every status is NOT_SERVING for good, so a
 * component that recovers during the drain cannot advertise the process again.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Set<Listener>();
  private shuttingDown = false;

  constructor(initial: ServingStatus = 'NOT_SERVING') {
    this.statuses.set('', initial);
  }

  /** Sets the status of `service` ("" is the whole process). Listeners hear only real changes. */
  setStatus(status: ServingStatus, service = ''): void {
    if (this.shuttingDown || this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners) listener(service, status);
  }

  /** undefined when the service was never registered. */
  status(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  all(): ReadonlyMap<string, ServingStatus> {
    return new Map(this.statuses);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Everything NOT_SERVING, and it stays so: the first step of a graceful shutdown. */
  enterShutdown(): void {
    for (const service of this.statuses.keys()) this.setStatus('NOT_SERVING', service);
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
