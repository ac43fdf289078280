import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@omtobe/testing';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createDatabase, type Database } from './database.ts';
import { migrateToLatest, MigrationError, runMigrateCommand, type MigrationDb, type MigrationLogger } from './migrate.ts';

const createTable = (name: string): Migration => ({
  up: async (db: MigrationDb) => {
    await db.schema.createTable(name).addColumn('id', 'integer').execute();
  },
});

// Creates a table, then fails: the table must not survive (each migration is its own transaction).
const failing: Migration = {
  up: async (db: MigrationDb) => {
    await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
    await sql`select * from no_such_table`.execute(db);
  },
};

const good = { '0001_first': createTable('first'), '0002_second': createTable('second') };

function captureLogger(): MigrationLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (fields, message) => lines.push(`info ${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => lines.push(`error ${message} ${fields instanceof Object && 'err' in fields ? String(fields.err) : ''}`),
  };
}

describe('migrateToLatest', () => {
  let testDb: TestDatabase;
  const open: Database<unknown>[] = [];
  const connect = (schema: string): Database<unknown> => {
    const database = createDatabase<unknown>({ url: testDb.url, schema });
    open.push(database);
    return database;
  };
  const tablesIn = async (schema: string): Promise<string[]> => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(connect(schema).db);
    return rows.map((r) => r.table_name);
  };
  const executed = async (schema: string): Promise<string[]> => {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(`${schema}.kysely_migration`)} order by name`.execute(connect(schema).db);
    return rows.map((r) => r.name);
  };

  beforeAll(async () => {
    testDb = await createTestDatabase('db_migrate');
  });
  afterAll(async () => {
    await Promise.all(open.map((database) => database.close()));
    await testDb?.drop();
  });

  it('creates the schema, keeps the migration table inside it, and a second run is a no-op', async () => {
    const { db } = connect('svc_idem');
    const logger = captureLogger();
    expect(await migrateToLatest({ db, schema: 'svc_idem', migrations: good, logger })).toEqual({ applied: ['0001_first', '0002_second'] });
    expect(await tablesIn('svc_idem')).toEqual(['first', 'kysely_migration', 'kysely_migration_lock', 'second']);
    expect(await tablesIn('public')).toEqual([]);
    expect(logger.lines.filter((l) => l.startsWith('info migration applied'))).toHaveLength(2);

    expect(await migrateToLatest({ db, schema: 'svc_idem', migrations: good, logger })).toEqual({ applied: [] });
    expect(await executed('svc_idem')).toEqual(['0001_first', '0002_second']);
    expect(logger.lines.at(-1)).toMatch(/^info schema is up to date/);
  });

  it('applies only new migrations on a later run', async () => {
    const { db } = connect('svc_later');
    await migrateToLatest({ db, schema: 'svc_later', migrations: { '0001_first': good['0001_first'] } });
    expect(await migrateToLatest({ db, schema: 'svc_later', migrations: good })).toEqual({ applied: ['0002_second'] });
  });

  it('names the failing migration, keeps the earlier ones, and rolls back only the failing one', async () => {
    const { db } = connect('svc_fail');
    const migrations = { ...good, '0003_broken': failing, '0004_after': createTable('after') };
    const error = await migrateToLatest({ db, schema: 'svc_fail', migrations }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    const failure = error as MigrationError;
    expect(failure.failed).toEqual(['0003_broken']);
    expect(failure.applied).toEqual(['0001_first', '0002_second']);
    expect(failure.message).toMatch(/schema "svc_fail": migration 0003_broken failed: relation "no_such_table" does not exist/);
    expect(await executed('svc_fail')).toEqual(['0001_first', '0002_second']);
    expect(await tablesIn('svc_fail')).toEqual(['first', 'kysely_migration', 'kysely_migration_lock', 'second']);

    // Once fixed, the next run picks up where it stopped.
    const fixed = { ...migrations, '0003_broken': createTable('half_done') };
    expect(await migrateToLatest({ db, schema: 'svc_fail', migrations: fixed })).toEqual({ applied: ['0003_broken', '0004_after'] });
  });

  it('lets concurrent runs for one schema apply each migration exactly once', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrateToLatest({ db: connect('svc_race').db, schema: 'svc_race', migrations: good })));
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(['0001_first', '0002_second']);
    expect(await executed('svc_race')).toEqual(['0001_first', '0002_second']);
  });

  it('reports a run that fails before any migration, e.g. an applied migration missing from the code', async () => {
    const { db } = connect('svc_idem');
    await expect(migrateToLatest({ db, schema: 'svc_idem', migrations: { '0002_second': good['0002_second'] } })).rejects.toThrow(
      /schema "svc_idem": migrating failed before any migration ran: .*0001_first is missing/,
    );
  });

  it('refuses a connection whose search_path points at another schema', async () => {
    const { db } = connect('svc_other');
    await expect(migrateToLatest({ db, schema: 'svc_mine', migrations: good })).rejects.toThrow(/search_path is "svc_other"/);
    expect(await tablesIn('svc_mine')).toEqual([]);
  });
});

describe('runMigrateCommand', () => {
  let testDb: TestDatabase;
  const exitCodeBefore = process.exitCode;
  beforeAll(async () => {
    testDb = await createTestDatabase('db_migrate_cmd');
  });
  afterEach(() => {
    process.exitCode = exitCodeBefore;
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it('migrates and resolves to 0', async () => {
    const logger = captureLogger();
    expect(await runMigrateCommand({ schema: 'svc_cmd', migrations: good, databaseUrl: testDb.url, logger })).toBe(0);
    expect(process.exitCode).toBe(exitCodeBefore);
    expect(logger.lines.at(-1)).toMatch(/^info migrations applied/);
  });

  it('logs the failed migration and sets a non-zero exit code', async () => {
    const logger = captureLogger();
    const migrations = { ...good, '0003_broken': failing };
    expect(await runMigrateCommand({ schema: 'svc_cmd_fail', migrations, databaseUrl: testDb.url, logger })).toBe(1);
    expect(process.exitCode).toBe(1);
    expect(logger.lines.at(-1)).toMatch(/^error migration failed MigrationError: .*0003_broken/);
  });

  it('fails without DATABASE_URL', async () => {
    const logger = captureLogger();
    const saved = process.env['DATABASE_URL'];
    delete process.env['DATABASE_URL'];
    try {
      expect(await runMigrateCommand({ schema: 'svc_cmd', migrations: good, logger })).toBe(1);
    } finally {
      if (saved !== undefined) process.env['DATABASE_URL'] = saved;
    }
    expect(process.exitCode).toBe(1);
    expect(logger.lines).toEqual([expect.stringMatching(/^error DATABASE_URL is not set/)]);
  });
});
