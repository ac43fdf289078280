import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLifecycle, createLogger, HealthRegistry, isTransientFailure, livenessService } from '@omtobe/platform';
import { createTestDatabase, eventually, startTcpProxy, viaProxy, type TcpProxy, type TestDatabase } from '@omtobe/testing';
import { sql, type Generated, type Kysely } from 'kysely';
import { watchDatabase } from './database-watch.ts';
import { createDatabase, type Database } from './database.ts';
import { migrateToLatest, type MigrationDb } from './migrate.ts';
import { openServiceDatabase } from './service-database.ts';
import type { DateOnly, Int8, Timestamptz } from './types.ts';

interface Db {
  items: { id: Generated<number>; count: Int8 | null; label: string; at: Timestamptz; day: DateOnly };
}

const silentLogger = createLogger({ service: 'db-test', level: 'silent' });

const migrations = {
  '0001_items': {
    up: async (db: MigrationDb) => {
      await db.schema
        .createTable('items')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('count', 'int8')
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('day', 'date', (c) => c.notNull())
        .execute();
    },
  },
};

describe('createDatabase', () => {
  let testDb: TestDatabase;
  let a: Database<Db>;
  let b: Database<Db>;

  beforeAll(async () => {
    testDb = await createTestDatabase('db_database');
    a = createDatabase<Db>({ url: testDb.url, schema: 'svc_a', applicationName: 'svc-a' });
    b = createDatabase<Db>({ url: testDb.url, schema: 'svc_b' });
    await migrateToLatest({ db: a.db, schema: 'svc_a', migrations });
    await migrateToLatest({ db: b.db, schema: 'svc_b', migrations });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await testDb?.drop();
  });

  const insert = (db: Kysely<Db>, label: string) =>
    db.insertInto('items').values({ label, count: 7n, at: new Date('2025-03-30T00:30:00Z'), day: '2025-03-30' }).execute();

  it('keeps two services with the same table name apart', async () => {
    await insert(a.db, 'from a');
    await insert(b.db, 'from b');
    await insert(b.db, 'from b again');

    expect((await a.db.selectFrom('items').select('label').execute()).map((r) => r.label)).toEqual(['from a']);
    expect((await b.db.selectFrom('items').select('label').orderBy('id').execute()).map((r) => r.label)).toEqual(['from b', 'from b again']);
    // Raw SQL resolves unqualified names in the service's schema too.
    const { rows } = await sql<{ n: number }>`select count(*) as n from items`.execute(b.db);
    expect(rows).toEqual([{ n: 2 }]);
    const { rows: path } = await sql<{ search_path: string }>`show search_path`.execute(a.db);
    expect(path).toEqual([{ search_path: 'svc_a' }]);
  });

  it('gives plain pool clients (LISTEN/NOTIFY) the same schema and session settings', async () => {
    const client = await a.pool.connect();
    try {
      const result = await client.query<{ schema: string; tz: string; app: string }>(
        `select current_schema() as schema, current_setting('TimeZone') as tz, current_setting('application_name') as app`,
      );
      expect(result.rows).toEqual([{ schema: 'svc_a', tz: 'UTC', app: 'svc-a' }]);
      await client.query('listen items_changed');
      const notified = new Promise<string | undefined>((resolve) => client.once('notification', (n) => resolve(n.payload)));
      await sql`select pg_notify('items_changed', 'hello')`.execute(a.db);
      expect(await notified).toBe('hello');
    } finally {
      client.release();
    }
  });

  it('maps int8 to number, timestamptz to Date and date to its calendar string', async () => {
    const row = await a.db.selectFrom('items').select(['id', 'count', 'at', 'day']).executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.count).toBe(7);
    expect(row.at).toBeInstanceOf(Date);
    expect(row.at.toISOString()).toBe('2025-03-30T00:30:00.000Z');
    expect(row.day).toBe('2025-03-30');
    const { rows } = await sql<{ big: number }>`select 9007199254740991::int8 as big`.execute(a.db);
    expect(rows).toEqual([{ big: Number.MAX_SAFE_INTEGER }]);
  });

  it('fails the query rather than rounding an int8 beyond the safe range', async () => {
    await expect(sql`select 9007199254740993::int8 as big`.execute(a.db)).rejects.toThrow(/outside the safe integer range/);
    // The pool stays usable afterwards.
    const { rows } = await sql<{ one: number }>`select 1::int8 as one`.execute(a.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('rejects schema names that would need quoting', () => {
    expect(() => createDatabase({ url: testDb.url, schema: 'Svc-A; drop' })).toThrow(/invalid schema name/);
  });

  it('close is idempotent', async () => {
    const extra = createDatabase<Db>({ url: testDb.url, schema: 'svc_a' });
    await sql`select 1`.execute(extra.db);
    await Promise.all([extra.close(), extra.close()]);
    expect(extra.pool.ended).toBe(true);
  });
});

describe('when the database goes away', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let database: Database<Db>;
  const connectionErrors: Error[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('db_outage');
    proxy = await startTcpProxy({ port: Number(new URL(testDb.url).port) });
    database = createDatabase<Db>({ url: viaProxy(testDb.url, proxy), schema: 'svc_o', onConnectionError: (e) => connectionErrors.push(e) });
    await migrateToLatest({ db: database.db, schema: 'svc_o', migrations });
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    await testDb?.drop();
  });

  it('survives losing a connection that is checked out, and the pool works again once it is back', async () => {
    // A transaction between two statements holds its connection with no query running: before, pg emitted
    // 'error' on it with nobody listening, which crashed the process (jest would fail this test).
    let second: unknown;
    const transaction = database.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ label: 'in flight', at: new Date(), day: '2026-11-30' }).execute();
      proxy.cut();
      await eventually(() => connectionErrors.length, (n) => n > 0, 5_000);
      second = await trx.selectFrom('items').selectAll().execute().catch((error: unknown) => error);
    });
    await expect(transaction).rejects.toBeDefined();
    expect(isTransientFailure(second)).toBe(true);
    const refused = await sql`select 1`.execute(database.db).catch((error: unknown) => error);
    expect(isTransientFailure(refused)).toBe(true);

    proxy.restore();
    const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from items`.execute(database.db);
    expect(rows).toEqual([{ n: 0 }]); // the cut transaction never committed
  });

  it('takes the service out of readiness while its database is unreachable, and keeps it alive', async () => {
    const health = new HealthRegistry();
    const lifecycle = createLifecycle({ logger: silentLogger });
    const config = { DATABASE_URL: viaProxy(testDb.url, proxy), DATABASE_POOL_MAX: 2, DATABASE_HEALTH_INTERVAL_MS: 50, OMTOBE_MODE: 'production', SERVICE_NAME: 'db-test' };
    await openServiceDatabase({ config, schema: 'svc_o', migrations, logger: silentLogger, lifecycle, health });
    health.setStatus('SERVING');
    try {
      proxy.cut();
      await eventually(() => health.status(), (s) => s === 'NOT_SERVING', 5_000);
      expect(health.status(livenessService)).toBe('SERVING');
      expect(health.dependenciesDown()).toEqual(['database']);
      proxy.restore();
      await eventually(() => health.status(), (s) => s === 'SERVING', 5_000);
    } finally {
      proxy.restore();
      await lifecycle.shutdown('test over');
    }
  });

  it('tells the watcher once when it stops answering and once when it is back', async () => {
    const changes: boolean[] = [];
    const watch = watchDatabase({ db: database.db, onChange: (up) => changes.push(up), logger: silentLogger, intervalMs: 50, timeoutMs: 1_000 });
    try {
      proxy.cut();
      await eventually(() => changes, (c) => c.length === 1, 5_000);
      proxy.restore();
      await eventually(() => changes, (c) => c.length === 2, 5_000);
      expect(changes).toEqual([false, true]);
    } finally {
      proxy.restore();
      await watch.stop();
    }
  });
});
