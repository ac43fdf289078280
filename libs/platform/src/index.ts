/**
 * How every Omtobe service starts and stops. A service's main.ts reads top to bottom:
 *
 *   const config = loadConfigOrExit(configSchema);               // baseConfigSchema.extend({...})
 *   const telemetry = startTelemetry({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
 *   const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
 *   const health = new HealthRegistry();
 *   await runService({ name: config.SERVICE_NAME, logger, health, async start(lifecycle) {
 *     lifecycle.onStop('telemetry', () => telemetry.shutdown());
 *     const db = ...;            lifecycle.onStop('database', () => db.destroy());
 *     const relay = ...;         lifecycle.onStop('outbox relay', () => relay.stop());
 *     const consumers = ...;     lifecycle.onStop('consumers', () => consumers.stop());
 *     const server = createServer({ routes, port: config.PORT, logger, health });
 *     await server.listen();     lifecycle.onStop('server', () => server.close(config.SHUTDOWN_TIMEOUT_MS));
 *     health.setStatus('SERVING');
 *   } });
 */
export * from './clock.ts';
export * from './config.ts';
export * from './development-mode.ts';
export * from './logger.ts';
export * from './telemetry.ts';
export * from './tracing-interceptor.ts';
export * from './errors.ts';
export * from './transient-failures.ts';
export * from './interceptors.ts';
export * from './health.ts';
export * from './server.ts';
export * from './lifecycle.ts';
export * from './repeating.ts';
export * from './clients.ts';
export * from './service-tokens.ts';
export * from './service-keys.ts';
export * from './service-auth.ts';
