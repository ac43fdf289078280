import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@omtobe/testing';
import { sql, type Generated, type Kysely } from 'kysely';
import { createDatabase, type Database } from './database.ts';
import { migrateToLatest, type MigrationDb } from './migrate.ts';
import type { DateOnly, Int8, Timestamptz } from './types.ts';

interface Db {
  items: { id: Generated<number>; count: Int8 | null; label: string; at: Timestamptz; day: DateOnly };
}

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
