import { z } from 'zod';
import { envBool, envInt, type Lifecycle, type Logger } from '@omtobe/platform';
import { createDatabase, type Database } from './database.ts';
import { migrateToLatest, type Migrations } from './migrate.ts';

/** The database variables every service reads (merged into its config schema). */
export const databaseConfigSchema = z.object({
  DATABASE_POOL_MAX: envInt({ min: 1, max: 200 }).default(10),
  /** Run migrations when the service starts: on by default in development; Kubernetes runs them as a Job. */
  MIGRATE_ON_START: envBool().optional(),
});

export interface ServiceDatabaseOptions {
  config: { DATABASE_URL: string; DATABASE_POOL_MAX: number; MIGRATE_ON_START?: boolean | undefined; OMTOBE_MODE: string; SERVICE_NAME: string };
  schema: string;
  migrations: Migrations;
  logger: Logger;
  lifecycle: Lifecycle;
}

/** Opens the service's pool on its own schema, migrates when configured to, and closes the pool on shutdown. */
export async function openServiceDatabase<DB>(options: ServiceDatabaseOptions): Promise<Database<DB>> {
  const { config, schema, migrations, logger, lifecycle } = options;
  const database = createDatabase<DB>({
    url: config.DATABASE_URL,
    schema,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: config.SERVICE_NAME,
    onIdleClientError: (err) => logger.warn({ err }, 'idle database connection failed'),
  });
  lifecycle.onStop('database pool', () => database.close());
  const migrate = config.MIGRATE_ON_START ?? config.OMTOBE_MODE === 'development';
  if (migrate) await migrateToLatest({ db: database.db, schema, migrations, logger });
  return database;
}
