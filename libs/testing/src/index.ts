export * from './clock.ts';
export * from './postgres/embedded.ts';
export * from './postgres/test-database.ts';
export * from './kafka/test-brokers.ts';
export * from './eventually.ts';
export * from './kafka/publish-event.ts';
export * from './network/tcp-proxy.ts';
export * from './kafka/sentinel.ts';
