import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, testPostgresUrl, type TestDatabase } from './test-database.ts';
import { queryRows } from '../../test/query.ts';

async function databaseExists(name: string): Promise<boolean> {
  const rows = await queryRows<{ n: number }>(testPostgresUrl(), `select count(*)::int as n from pg_database where datname = '${name}'`);
  return rows[0]?.n === 1;
}

describe('createTestDatabase', () => {
  const created: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(created.map((database) => database.drop()));
  });

  it('creates separate, empty databases with unique names on the run server', async () => {
    const a = await createTestDatabase('Decision Log!');
    const b = await createTestDatabase('Decision Log!');
    created.push(a, b);
    expect(a.name).toMatch(/^decision_log_[0-9a-f]{10}$/);
    expect(b.name).not.toBe(a.name);

    await queryRows(a.url, 'create table marker (id int); insert into marker values (1)');
    expect(await queryRows(a.url, 'select * from marker')).toEqual([{ id: 1 }]);
    await expect(queryRows(b.url, 'select * from marker')).rejects.toThrow(/relation "marker" does not exist/);
    expect((await queryRows<{ db: string }>(b.url, 'select current_database() as db'))[0]?.db).toBe(b.name);
  });

  it('drops the database even while a connection is open, and a second drop is harmless', async () => {
    const database = await createTestDatabase();
    const lingering = new pg.Client(database.url);
    lingering.on('error', () => undefined); // the forced drop terminates it
    await lingering.connect();
    expect(await databaseExists(database.name)).toBe(true);

    await database.drop();
    await database.drop();
    expect(await databaseExists(database.name)).toBe(false);
    await lingering.end().catch(() => undefined);
  });
});
