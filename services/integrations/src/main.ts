// The integrations service's composition root: config → telemetry → logger → database (and, in development,
// the clock kept there) → token cipher, provider clients and push senders → Kafka, outbox and consumers →
// background worker and push worker → server → SERVING.
import { openServiceDatabase, serviceClock } from '@omtobe/db';
import { startServiceEvents, topics } from '@omtobe/events';
import { createLogger, startServing, HealthRegistry, runService, serviceAuthInterceptorFrom, startTelemetry } from '@omtobe/platform';
import { integrationsCallers } from './api/callers.ts';
import { integrationsRoutes } from './api/routes.ts';
import { loadConfig, pushSendersFrom, settingsFrom, tokenKeysFrom } from './config.ts';
import { promptsConsumer } from './consumers/prompts.ts';
import { usersConsumer } from './consumers/users.ts';
import { createTokenCipher, parseKeyring } from './domain/token-cipher.ts';
import { createGoogleApi } from './providers/google/google-api.ts';
import { createMicrosoft } from './providers/microsoft/microsoft.ts';
import { createWhoopApi } from './providers/whoop/whoop-api.ts';
import { createPushDispatcher } from './operations/push/deliver-pushes.ts';
import { startPushWorker } from './work/push-worker.ts';
import { createPushSenders } from './operations/push/senders.ts';
import type { Deps } from './operations/deps.ts';
import { schema, type Database } from './store/database.ts';
import { migrations } from './store/migrations/index.ts';
import { startWorker } from './work/worker.ts';

const config = loadConfig();
const telemetry = startTelemetry({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
const health = new HealthRegistry();
const settings = settingsFrom(config);

await runService({
  name: config.SERVICE_NAME,
  logger,
  health,
  async start(lifecycle) {
    lifecycle.onStop('telemetry', () => telemetry.shutdown());
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle, health });
    // Development mode runs on the development clock (injects, mock providers, the worker; advance time moves
    // it and its offset outlives a restart); production on the system clock.
    const clocks = await serviceClock(config.OMTOBE_MODE, db, logger);
    const { clock } = clocks;
    if (!config.TOKEN_ENCRYPTION_KEYS) logger.warn('TOKEN_ENCRYPTION_KEYS is not set: tokens are encrypted with the public development key');
    const cipher = createTokenCipher(parseKeyring(tokenKeysFrom(config)));
    const providerLogger = logger.child({ component: 'providers' });
    let wake = () => {};
    const deps: Deps = {
      db,
      ...clocks,
      logger,
      settings,
      cipher,
      ...(settings.whoop
        ? { whoop: createWhoopApi({ ...settings.whoop, clock, logger: providerLogger, maxInlineWaitMs: settings.maxInlineRetryWaitMs }) }
        : {}),
      ...(settings.google ? { google: await createGoogleApi(settings.google, clock, providerLogger) } : {}),
      ...(settings.microsoft ? { microsoft: createMicrosoft(settings.microsoft, { clock, logger: providerLogger, maxInlineWaitMs: settings.maxInlineRetryWaitMs }) } : {}),
      wake: () => wake(),
    };
    const senders = await createPushSenders(pushSendersFrom(config), logger);
    lifecycle.onStop('push senders', () => senders.close());
    let wakePushes = () => {};
    await startServiceEvents<Database>({
      config,
      logger,
      lifecycle,
      health,
      db,
      pool,
      subscriptions: [usersConsumer(deps), promptsConsumer(deps)],
      // Tombstones: a prompt transition of an erased user, arriving after the erasure, pushes nothing.
      honourErasures: true,
      // A transition's pushes go out as soon as its transaction commits, not at the next poll.
      onHandled: (handled) => {
        if (handled.topic.endsWith(topics.prompts.name) && !handled.duplicate && !handled.erased) wakePushes();
      },
    });
    // Stops are run in reverse: the worker stops after the server drain and before the consumers, the relay
    // and the pool. It winds down as soon as shutdown begins (between users of a walk), so its stop step is
    // over well within the step timeout and nothing of it touches the pool once the pool closes.
    const worker = startWorker(deps, {
      intervalMs: config.WORKER_INTERVAL_MS,
      maintenanceEvery: Math.max(1, Math.ceil((config.MAINTENANCE_INTERVAL_MINUTES * 60_000) / config.WORKER_INTERVAL_MS)),
      logger: logger.child({ component: 'worker' }),
      signal: lifecycle.stopping,
    });
    wake = worker.wake;
    lifecycle.onStop('background worker', () => worker.stop());
    const pushWorker = startPushWorker(createPushDispatcher(deps, senders), {
      intervalMs: config.PUSH_POLL_INTERVAL_MS,
      logger: logger.child({ component: 'push' }),
      signal: lifecycle.stopping,
    });
    wakePushes = pushWorker.wake;
    lifecycle.onStop('push worker', () => pushWorker.stop());
    const port = await startServing(lifecycle, {
      routes: integrationsRoutes(deps),
      // Only the callers its allow-list names, each with a valid service token (deploy/README.md "Security").
      interceptors: [serviceAuthInterceptorFrom(config, { policies: [integrationsCallers(config.OMTOBE_MODE)], logger })],
      reflection: config.OMTOBE_MODE === 'development',
      port: config.PORT,
      host: config.HOST,
      logger,
      health,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    logger.info(
      {
        port,
        mode: config.OMTOBE_MODE,
        whoop: Boolean(settings.whoop),
        google_calendar: Boolean(settings.google),
        microsoft: Boolean(settings.microsoft),
        mock_providers: Boolean(settings.mock),
        push_ios: senders.ios.name,
        push_android: senders.android.name,
      },
      'integrations serving',
    );
  },
});
