// The gateway's composition root: config → telemetry → logger → database → Kafka and outbox → peers → server → SERVING.
import { openServiceDatabase } from '@omtobe/db';
import { startServiceEvents } from '@omtobe/events';
import { createLogger, createServer, HealthRegistry, runService, startTelemetry } from '@omtobe/platform';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { loadConfig } from './config.ts';
import { createPeers } from './peers/peers.ts';
import { createRestHandler } from './rest/router.ts';
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
    const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle });
    await startServiceEvents<Database>({ config, logger, lifecycle, db, pool });
    const peers = createPeers(config);
    const server = createServer({
      // The public API's RPCs arrive with the gateway issue; until then they answer UNIMPLEMENTED.
      routes: (router) => router.service(GatewayService, {}),
      fallback: createRestHandler({ health, peers, logger }),
      port: config.PORT,
      logger,
      health,
    });
    const port = await server.listen();
    lifecycle.onStop('server (drain)', () => server.close(config.SHUTDOWN_TIMEOUT_MS));
    health.setStatus('SERVING');
    logger.info({ port }, 'gateway serving');
  },
});
