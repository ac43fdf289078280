/**
 * How every Omtobe service starts and stops. A service's main.ts reads top to bottom (services/decision-log):
 *
 *   const config = loadConfigOrExit(configSchema);   // baseConfigSchema.extend({...}); exits naming every bad variable
 *   const telemetry = startTelemetry({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
 *   const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
 *   const health = new HealthRegistry();
 *   await runService({ name: config.SERVICE_NAME, logger, health, async start(lifecycle) {
 *     lifecycle.onStop('telemetry', () => telemetry.shutdown());
 *     const { db, pool } = await openServiceDatabase({ config, schema, migrations, logger, lifecycle, health }); // @omtobe/db
 *     const deps: Deps = { db, ... };
 *     await startServiceEvents({ config, logger, lifecycle, health, db, pool, subscriptions }); // @omtobe/events
 *     const port = await startServing(lifecycle, { routes: serviceRoutes(deps), interceptors, port: config.PORT,
 *       host: config.HOST, logger, health, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }); // listens, then SERVING
 *   } });
 *
 * Each part registers its own stop with `lifecycle.onStop` as it starts. On SIGTERM or SIGINT, runService sets
 * NOT_SERVING first, then runs the stops in reverse order (server drain, consumers, relay, database, telemetry).
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
