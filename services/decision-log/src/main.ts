// The decision log's composition root: config → telemetry → logger → database (and, in development, the clock
// kept there) → Kafka consumers → retention → server → SERVING.
import { startServiceEvents } from '@omtobe/events';
import { createLogger, startServing, HealthRegistry, runService, startTelemetry } from '@omtobe/platform';
import { openServiceDatabase, serviceClock } from '@omtobe/db';
import { callerCheck } from './api/callers.ts';
import { decisionLogRoutes } from './api/routes.ts';
import { loadConfig } from './config.ts';
import { decisionsSubscription } from './consumers/decisions.ts';
import { usersSubscription } from './consumers/users.ts';
import type { Deps } from './operations/deps.ts';
import { createDecisionLogMetrics } from './operations/metrics.ts';
import { schema, type Database } from './store/database.ts';
import { migrations } from './store/migrations/index.ts';
import { startRetention } from './work/retention.ts';

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
    const metrics = createDecisionLogMetrics(); // after telemetry: it takes the registered meter provider
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle, health });
    // Its records carry the times of the events; only the retention purge asks for "now". In development that
    // is the development clock (advance time moves it; its offset outlives a restart), so the purge judges the
    // records by the clock that stamped them.
    const deps: Deps = { db, metrics, ...(await serviceClock(config.OMTOBE_MODE, db, logger)) };
    await startServiceEvents<Database>({
      config,
      logger,
      lifecycle,
      health,
      db,
      pool,
      subscriptions: [decisionsSubscription(deps), usersSubscription(deps)],
      honourErasures: true,
    });
    if (config.DECISION_LOG_RETENTION_DAYS !== undefined) {
      const retention = startRetention(deps, {
        logger: logger.child({ component: 'retention' }),
        retentionDays: config.DECISION_LOG_RETENTION_DAYS,
        intervalMs: config.DECISION_LOG_RETENTION_INTERVAL_MS,
      });
      lifecycle.onStop('retention purge', () => retention.stop());
    }
    const port = await startServing(lifecycle, {
      routes: decisionLogRoutes(deps),
      // Only the callers its allow-list names, each with a valid service token (deploy/README.md "Security").
      interceptors: [callerCheck(config, logger)],
      reflection: config.OMTOBE_MODE === 'development',
      port: config.PORT,
      host: config.HOST,
      logger,
      health,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    logger.info({ port, retention_days: config.DECISION_LOG_RETENTION_DAYS ?? 'keep' }, 'decision-log serving');
  },
});
