export { startDevBroker, type DevBroker, type DevBrokerOptions, type DevBrokerTopic } from './broker.ts';
export { buildLauncher } from './build.ts';
export type { DevBrokerFaults } from './faults.ts';
