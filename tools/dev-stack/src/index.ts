// For tests that run the system as processes (the gateway's end-to-end tests), and for the benchmark,
// which starts the system as `npm start` does.
export * from './test-stack.ts';
export * from './services.ts';
export { generateServiceKeys, type ServiceKeys } from './service-keys.ts';
export { startServices, type ServicePorts, type StartServicesOptions } from './stack.ts';
export { startInfrastructure, type Infrastructure } from './infrastructure.ts';
export { ProcessGroup, type ChildSpec, type ProcessGroupOptions, type RestartPolicy } from './process-group.ts';
export { checkHealth } from './health.ts';
