/** The four services as `npm start` runs them: one process each, on fixed local ports. */
export interface ServiceSpec {
  name: 'state-engine' | 'decision-log' | 'integrations' | 'gateway';
  port: number;
}

// Started in this order (the gateway last: it calls the others) and stopped in reverse.
export const services: readonly ServiceSpec[] = [
  { name: 'state-engine', port: 50051 },
  { name: 'decision-log', port: 50052 },
  { name: 'integrations', port: 50053 },
  { name: 'gateway', port: 8080 },
];
