/** The four services as `npm start` runs them: one process each, on fixed local ports. */
export interface ServiceSpec {
  name: 'state-engine' | 'decision-log' | 'integrations' | 'gateway';
  port: number;
  /**
   * V8's old-space limit (MB), as every deployment sets it (NODE_OPTIONS in compose and the Kubernetes
   * config; tools/deploy-check holds them to these numbers). Left to itself on a large host V8 lets garbage
   * pile up to 400–500 MB per service before collecting (the live heap is 40–60 MB; integrations' ~90 MB
   * with googleapis), and inside a container it sizes the heap from the memory limit, too small for
   * integrations. Measured in bench/README.md ("Memory").
   */
  heapMb: number;
}

// Started in this order (the gateway last: it calls the others) and stopped in reverse.
export const services: readonly ServiceSpec[] = [
  { name: 'state-engine', port: 50051, heapMb: 128 },
  { name: 'decision-log', port: 50052, heapMb: 128 },
  { name: 'integrations', port: 50053, heapMb: 160 },
  { name: 'gateway', port: 8080, heapMb: 128 },
];

/**
 * The young generation's semi-space (MB). It must be set with the old-space limit: alone, that limit makes V8
 * pick 32 MB semi-spaces, and a young generation that large next to a small old space makes V8 collect the old
 * space on nearly every scavenge (it keeps room to promote the whole young generation): measured, a check
 * then costs five times the CPU.
 */
const semiSpaceMb = 8;

/** The Node.js flags that size a service's heap. */
export function heapNodeArgs(service: ServiceSpec): string[] {
  return [`--max-old-space-size=${service.heapMb}`, `--max-semi-space-size=${semiSpaceMb}`];
}

/** The same as NODE_OPTIONS: the string every deployment sets. */
export function heapNodeOptions(service: ServiceSpec): string {
  return heapNodeArgs(service).join(' ');
}
