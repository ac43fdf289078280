// The state engine's composition root: config → telemetry → logger → database (and, in development, the
// clock kept there) → Kafka, outbox and consumers → due-work loop → server → SERVING.
import { openServiceDatabase, serviceClock } from '@omtobe/db';
import { startServiceEvents } from '@omtobe/events';
import { createLogger, startServing, HealthRegistry, runService, serviceAuthInterceptorFrom, startTelemetry } from '@omtobe/platform';
import { stateEngineCallers } from './api/callers.ts';
import { stateEngineRoutes } from './api/routes.ts';
import { hrvRetentionDays, loadConfig, rulesFrom } from './config.ts';
import { calendarConsumer } from './consumers/calendar.ts';
import { hrvConsumer } from './consumers/hrv.ts';
import { usersConsumer } from './consumers/users.ts';
import type { Deps } from './operations/deps.ts';
import { schema, type Database } from './store/database.ts';
import { migrations } from './store/migrations/index.ts';
import { startDueWork } from './work/due-work.ts';

const config = loadConfig();
const telemetry = startTelemetry({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
const health = new HealthRegistry();
const rules = rulesFrom(config);

await runService({
  name: config.SERVICE_NAME,
  logger,
  health,
  async start(lifecycle) {
    lifecycle.onStop('telemetry', () => telemetry.shutdown());
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle, health });
    const deps: Deps = { db, ...(await serviceClock(config.OMTOBE_MODE, db, logger)), rules, logger };
    await startServiceEvents<Database>({
      config,
      logger,
      lifecycle,
      health,
      db,
      pool,
      subscriptions: [usersConsumer(rules, deps.clock), hrvConsumer(rules, deps.clock), calendarConsumer(rules, deps.clock)],
      honourErasures: true,
    });
    const dueWork = startDueWork(deps, {
      intervalMs: config.DUE_WORK_INTERVAL_MS,
      retention: { hrvDays: hrvRetentionDays(config), eventHours: config.EVENT_RETENTION_HOURS, idempotencyHours: config.IDEMPOTENCY_RETENTION_HOURS },
      logger: logger.child({ component: 'due-work' }),
    });
    lifecycle.onStop('due-work loop', () => dueWork.stop());
    const port = await startServing(lifecycle, {
      routes: stateEngineRoutes(deps),
      // Only the callers its allow-list names, each with a valid service token (deploy/README.md "Security").
      interceptors: [serviceAuthInterceptorFrom(config, { policies: [stateEngineCallers(config.OMTOBE_MODE)], logger })],
      reflection: config.OMTOBE_MODE === 'development',
      port: config.PORT,
      host: config.HOST,
      logger,
      health,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    logger.info({ port, mode: config.OMTOBE_MODE }, 'state-engine serving');
  },
});
