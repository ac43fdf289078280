// The gateway's composition root: config → telemetry → logger → database → Kafka and outbox → (in development,
// the clock kept in the database) → live streams' hub and broadcast consumer → peers → authentication → REST +
// Connect server → SERVING. On SIGTERM the open streams end first (so the server's drain waits for none of them).
import { openServiceDatabase, serviceClock } from '@omtobe/db';
import { startBroadcastConsumer, startServiceEvents } from '@omtobe/events';
import { createLogger, startServing, HealthRegistry, runService, serviceTokenSignerFrom, startTelemetry, systemClock } from '@omtobe/platform';
import { createAuthInterceptor } from './api/connect-auth.ts';
import { gatewayRoutes } from './api/connect.ts';
import { createRateLimitInterceptor } from './api/connect-rate-limit.ts';
import { createAuthentication } from './auth/keys.ts';
import { loadConfig } from './config.ts';
import { streamGroupIdPrefix, streamSubscriptions } from './consumers/index.ts';
import type { Deps } from './operations/deps.ts';
import { createUserRateLimits } from './limits/rate-limiter.ts';
import { createPeers } from './peers/peers.ts';
import { createRestApp } from './rest/app.ts';
import { schema, type Database } from './store/database.ts';
import { StreamHub } from './streams/hub.ts';
import { migrations } from './store/migrations/index.ts';

const config = loadConfig();
const telemetry = startTelemetry({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
const health = new HealthRegistry();

await runService({
  name: config.SERVICE_NAME,
  logger,
  health,
  async start(lifecycle) {
    lifecycle.onStop('telemetry', () => telemetry.shutdown());
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle, health });
    await startServiceEvents<Database>({ config, logger, lifecycle, health, db, pool });
    // Development mode times registrations, zone changes and erasures by the development clock (advance time
    // moves it with every service's; its offset outlives a restart). Tokens are always judged by real time:
    // apps, identity providers and the JWT libraries know no other.
    const clocks = await serviceClock(config.OMTOBE_MODE, db, logger);
    // Every replica hears every user's transitions (a consumer group of its own) and hands them to its open streams.
    const hub = new StreamHub({ perUserLimit: config.STREAMS_PER_USER, replicaLimit: config.STREAMS_PER_REPLICA, logger: logger.child({ component: 'streams' }) });
    startBroadcastConsumer({ config, groupIdPrefix: streamGroupIdPrefix, subscriptions: streamSubscriptions(hub), logger, lifecycle });
    const streams = { hub, heartbeatMs: config.STREAM_HEARTBEAT_SECONDS * 1_000, retryMs: config.STREAM_RETRY_MS };
    const deps: Deps = { db, peers: createPeers(config, serviceTokenSignerFrom(config)), ...clocks, logger, streams };
    const { verify, devIssuer } = await createAuthentication(config, systemClock, db);
    // One budget per user whatever the protocol: REST and Connect count on the same limiters.
    const limits = createUserRateLimits({ checkPerMinute: config.RATE_LIMIT_CHECK_PER_MINUTE, trackedClients: config.RATE_LIMIT_TRACKED_CLIENTS });
    const rest = await createRestApp({
      deps,
      health,
      verify,
      ...(devIssuer ? { devIssuer } : {}),
      ...(config.CORS_ORIGINS ? { corsOrigins: config.CORS_ORIGINS } : {}),
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      checkPerMinute: config.RATE_LIMIT_CHECK_PER_MINUTE,
      anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      rateLimitTrackedClients: config.RATE_LIMIT_TRACKED_CLIENTS,
      limits,
    });
    lifecycle.onStop('rest routes', () => rest.app.close());
    const port = await startServing(lifecycle, {
      routes: gatewayRoutes(deps),
      // HTTP/2 requests reach fastify as compatibility-API objects, which it handles like HTTP/1.1 ones.
      fallback: rest.handle as NonNullable<Parameters<typeof startServing>[1]['fallback']>,
      interceptors: [createAuthInterceptor(verify), createRateLimitInterceptor(limits)],
      // The same bound on a Connect or gRPC message as on a REST body.
      readMaxBytes: config.BODY_LIMIT_BYTES,
      reflection: config.OMTOBE_MODE === 'development',
      port: config.PORT,
      host: config.HOST,
      logger,
      health,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    // Registered after the server, so it runs before the server's drain: open streams never end by themselves, and
    // would otherwise hold the drain for all of SHUTDOWN_TIMEOUT_MS. New streams are refused from here on.
    lifecycle.onStop('live streams (end)', () => hub.drain(Math.min(5_000, config.SHUTDOWN_TIMEOUT_MS / 2)));
    logger.info({ port, mode: config.OMTOBE_MODE, dev_token_issuer: devIssuer !== undefined }, 'gateway serving');
  },
});
