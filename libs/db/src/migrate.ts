import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { assertSchemaName, createDatabase } from './database.ts';

/**
 * Migrations run on `Kysely<any>`: each one is frozen against the schema as it was when written and must
 * never import application types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MigrationDb = Kysely<any>;

/**
 * A service's migrations as an explicit record, e.g. `src/store/migrations/index.ts`:
 * `export const migrations = { '0001_create_users': createUsers }`. Names run in alphabetical order.
 * An imported record (unlike FileMigrationProvider's directory scan) behaves the same under Node type
 * stripping, jest ESM and a bundled image.
 */
export type Migrations = Readonly<Record<string, Migration>>;

/** Satisfied by a pino logger and by `console`. */
export interface MigrationLogger {
  info(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface MigrateToLatestOptions {
  /** A database from createDatabase with the same schema (its search_path decides where tables go). */
  db: MigrationDb;
  schema: string;
  migrations: Migrations;
  logger?: MigrationLogger;
}

export class MigrationError extends Error {
  readonly schema: string;
  /** The migration that failed (empty when the run failed before any migration, e.g. a missing one). */
  readonly failed: readonly string[];
  /** Applied by this run before the failure; they stay applied. */
  readonly applied: readonly string[];

  constructor(schema: string, failed: string[], applied: string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const what = failed.length > 0 ? `migration ${failed.join(', ')} failed` : 'migrating failed before any migration ran';
    const kept = applied.length > 0 ? `; applied before it and kept: ${applied.join(', ')}` : '';
    super(`schema "${schema}": ${what}: ${reason}${kept}`, { cause });
    this.name = 'MigrationError';
    this.schema = schema;
    this.failed = failed;
    this.applied = applied;
  }
}

/**
 * Creates the schema if missing and applies pending migrations, each in its own transaction, so a failure
 * rolls back only the failing migration and earlier ones stay applied. (Kysely's own migrateToLatest
 * wraps the whole batch in one transaction and reports rolled-back migrations as "Success".)
 * The migration table lives in the service's schema. Concurrent runs for the same schema (two replicas,
 * a Job and a developer) wait for each other on an advisory lock. Running it again is a no-op.
 */
export async function migrateToLatest(options: MigrateToLatestOptions): Promise<{ applied: string[] }> {
  const { schema, migrations, logger } = options;
  assertSchemaName(schema);
  // One connection for the whole run: the session lock below must be held by the session doing the work.
  return options.db.connection().execute(async (db) => {
    await assertSearchPath(db, schema);
    await sql`select pg_advisory_lock(hashtext('omtobe.migrate'), hashtext(${schema}))`.execute(db);
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema: schema });
      const applied: string[] = [];
      for (;;) {
        const { error, results = [] } = await migrator.migrateUp();
        for (const result of results.filter((r) => r.status === 'Success')) {
          applied.push(result.migrationName);
          logger?.info({ schema, migration: result.migrationName }, 'migration applied');
        }
        if (error !== undefined) {
          const failed = results.filter((r) => r.status === 'Error').map((r) => r.migrationName);
          throw new MigrationError(schema, failed, applied, error);
        }
        if (results.length === 0) break;
      }
      logger?.info({ schema, applied: applied.length }, applied.length > 0 ? 'migrations applied' : 'schema is up to date');
      return { applied };
    } finally {
      // If this fails the session is gone, and the lock with it; the run's own outcome is what matters.
      await sql`select pg_advisory_unlock(hashtext('omtobe.migrate'), hashtext(${schema}))`.execute(db).catch(() => undefined);
    }
  });
}

/** Unqualified CREATE TABLEs land in the first search_path schema: refuse a db set up for another schema. */
async function assertSearchPath(db: MigrationDb, schema: string): Promise<void> {
  const { rows } = await sql<{ search_path: string }>`show search_path`.execute(db);
  const first = rows[0]?.search_path.split(',')[0]?.trim().replace(/^"(.*)"$/, '$1');
  if (first !== schema) {
    throw new Error(`refusing to migrate schema "${schema}" through a connection whose search_path is "${rows[0]?.search_path}"`);
  }
}

export interface MigrateCommandOptions {
  schema: string;
  migrations: Migrations;
  /** Defaults to process.env.DATABASE_URL. */
  databaseUrl?: string;
  logger?: MigrationLogger;
}

/**
 * Body of a service's `migrate` entry point (and of the Kubernetes migration Job): connect, migrate, log,
 * close. Resolves to the exit code and sets process.exitCode, so the process exits non-zero on failure
 * once the pool is closed.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<number> {
  const { schema, migrations } = options;
  const logger = options.logger ?? jsonLineLogger;
  const url = options.databaseUrl ?? process.env['DATABASE_URL'];
  if (!url) {
    logger.error({ schema }, 'DATABASE_URL is not set');
    process.exitCode = 1;
    return 1;
  }
  const database = createDatabase({ url, schema, poolMax: 1, applicationName: `${schema}-migrate` });
  try {
    await migrateToLatest({ db: database.db, schema, migrations, logger });
    return 0;
  } catch (error) {
    logger.error({ schema, err: error }, 'migration failed');
    process.exitCode = 1;
    return 1;
  } finally {
    await database.close();
  }
}

/** Minimal pino-shaped JSON lines, for commands run without a service logger. */
const jsonLineLogger: MigrationLogger = {
  info: (fields, message) => process.stdout.write(jsonLine(30, fields, message)),
  error: (fields, message) => process.stderr.write(jsonLine(50, fields, message)),
};

function jsonLine(level: number, fields: object, msg?: string): string {
  const serialised = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value]),
  );
  return `${JSON.stringify({ level, time: Date.now(), ...serialised, msg })}\n`;
}
