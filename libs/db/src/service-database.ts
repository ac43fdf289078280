import { z } from 'zod';
import { envBool, envInt, type HealthRegistry, type Lifecycle, type Logger } from '@omtobe/platform';
import { createDatabase, type Database } from './database.ts';
import { watchDatabase } from './database-watch.ts';
import { migrateToLatest, type Migrations } from './migrate.ts';

/** The database variables every service reads (merged into its config schema). */
export const databaseConfigSchema = z.object({
  DATABASE_POOL_MAX: envInt({ min: 1, max: 200 }).default(10),
  /** Run migrations when the service starts: on by default in development; Kubernetes runs them as a Job. */
  MIGRATE_ON_START: envBool().optional(),
  /** How often readiness pings the database; the service is NOT_SERVING while the ping fails. */
  DATABASE_HEALTH_INTERVAL_MS: envInt({ min: 100 }).default(1_000),
});

export interface ServiceDatabaseOptions {
  config: {
    DATABASE_URL: string;
    DATABASE_POOL_MAX: number;
    MIGRATE_ON_START?: boolean | undefined;
    DATABASE_HEALTH_INTERVAL_MS?: number;
    OMTOBE_MODE: string;
    SERVICE_NAME: string;
  };
  schema: string;
  migrations: Migrations;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Readiness follows the database (dependency "database") when given. */
  health?: HealthRegistry;
}

/**
 * Opens the service's pool on its own schema, migrates when configured to, watches that the database still
 * answers (readiness), and closes the pool on shutdown.
 */
export async function openServiceDatabase<DB>(options: ServiceDatabaseOptions): Promise<Database<DB>> {
  const { config, schema, migrations, logger, lifecycle } = options;
  const database = createDatabase<DB>({
    url: config.DATABASE_URL,
    schema,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: config.SERVICE_NAME,
    // A restart or failover fails every connection at once: the watcher below reports the outage once.
    onConnectionError: (err) => logger.debug({ err }, 'database connection failed'),
  });
  lifecycle.onStop('database pool', () => database.close());
  const migrate = config.MIGRATE_ON_START ?? config.OMTOBE_MODE === 'development';
  if (migrate) await migrateToLatest({ db: database.db, schema, migrations, logger });
  const { health } = options;
  if (health) {
    const intervalMs = config.DATABASE_HEALTH_INTERVAL_MS ?? 1_000;
    const watch = watchDatabase({
      db: database.db,
      onChange: (reachable) => health.reportDependency('database', reachable),
      logger,
      intervalMs,
      timeoutMs: Math.max(intervalMs, 2_000),
    });
    lifecycle.onStop('database watch', () => watch.stop());
  }
  return database;
}
