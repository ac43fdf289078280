export type ServingStatus = 'SERVING' | 'NOT_SERVING';

type Listener = (service: string, status: ServingStatus) => void;

/** The service name Kubernetes' liveness probe asks for: SERVING while the process runs, until shutdown. */
export const livenessService = 'liveness';

/**
 * Serving status of the process and of named parts, as grpc.health.v1 reports them.
 *
 * - `""` is readiness (what balancers and Kubernetes' readiness probe ask for): SERVING once main.ts has
 *   started everything (`setStatus('SERVING')`) *and* while every dependency reports up
 *   (`reportDependency`): a service whose database is unreachable or whose consumer has been gone too long
 *   takes itself out of rotation, and comes back by itself.
 * - `"liveness"` stays SERVING while the process runs: a service that waits correctly for its database must
 *   not be killed and restarted for it (Online Boutique's cart service: readiness follows the store).
 *
 * After `enterShutdown()` every status is NOT_SERVING for good, so a component that recovers during the
 * drain cannot advertise the process again.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Set<Listener>();
  private readonly downDependencies = new Set<string>();
  private started: boolean;
  private shuttingDown = false;

  constructor(initial: ServingStatus = 'NOT_SERVING') {
    this.started = initial === 'SERVING';
    this.statuses.set('', initial);
    this.statuses.set(livenessService, 'SERVING');
  }

  /**
   * Sets the status of `service`. For `""` this says whether the process has started: it is reported
   * SERVING only while no dependency is down as well. Listeners hear only real changes.
   */
  setStatus(status: ServingStatus, service = ''): void {
    if (service === '') {
      this.started = status === 'SERVING';
      this.refreshReadiness();
    } else {
      this.apply(service, status);
    }
  }

  /** A dependency (database, consumer) is usable or not; readiness follows the set of those that are not. */
  reportDependency(name: string, up: boolean): void {
    if (up) this.downDependencies.delete(name);
    else this.downDependencies.add(name);
    this.refreshReadiness();
  }

  /** The dependencies reported down, for health reports and logs. */
  dependenciesDown(): string[] {
    return [...this.downDependencies];
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
    for (const service of this.statuses.keys()) this.apply(service, 'NOT_SERVING');
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private refreshReadiness(): void {
    this.apply('', this.started && this.downDependencies.size === 0 ? 'SERVING' : 'NOT_SERVING');
  }

  private apply(service: string, status: ServingStatus): void {
    if (this.shuttingDown || this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners) listener(service, status);
  }
}
