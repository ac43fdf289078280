// The decision log's composition root: config → telemetry → logger → database → Kafka consumers → retention → server → SERVING.
import { startServiceEvents } from '@omtobe/events';
import { createLogger, startServing, HealthRegistry, runService, startTelemetry, systemClock } from '@omtobe/platform';
import { openServiceDatabase } from '@omtobe/db';
import { decisionLogRoutes } from './api/routes.ts';
import { loadConfig } from './config.ts';
import { decisionsSubscription } from './consumers/decisions.ts';
import { usersSubscription } from './consumers/users.ts';
import { createDecisionLogMetrics } from './metrics.ts';
import { startRetentionJob } from './retention-job.ts';
import { schema, type Database } from './store/database.ts';
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
    const metrics = createDecisionLogMetrics(); // after telemetry: it takes the registered meter provider
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle, health });
    await startServiceEvents<Database>({
      config,
      logger,
      lifecycle,
      health,
      db,
      pool,
      subscriptions: [decisionsSubscription({ metrics }), usersSubscription({ metrics })],
      honourErasures: true,
    });
    if (config.DECISION_LOG_RETENTION_DAYS !== undefined) {
      const retention = startRetentionJob({
        db,
        clock: systemClock,
        logger: logger.child({ component: 'retention' }),
        retentionDays: config.DECISION_LOG_RETENTION_DAYS,
        intervalMs: config.DECISION_LOG_RETENTION_INTERVAL_MS,
      });
      lifecycle.onStop('retention purge', () => retention.stop());
    }
    const port = await startServing(lifecycle, {
      routes: decisionLogRoutes({ db }),
      port: config.PORT,
      logger,
      health,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    logger.info({ port, retention_days: config.DECISION_LOG_RETENTION_DAYS ?? 'keep' }, 'decision-log serving');
  },
});
