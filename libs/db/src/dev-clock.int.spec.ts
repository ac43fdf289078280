import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, TestClock, type TestDatabase } from '@omtobe/testing';
import { createDatabase, type Database } from './database.ts';
import { createDevClockTable, type DevClockTables } from './dev-clock-table.ts';
import { loadDevClock, lockDevClock } from './dev-clock.ts';
import { migrateToLatest } from './migrate.ts';

const day = 24 * 3_600_000;

describe('the development clock kept in the service schema', () => {
  let testDb: TestDatabase;
  let database: Database<DevClockTables>;
  const base = new TestClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    testDb = await createTestDatabase('db_dev_clock');
    database = createDatabase<DevClockTables>({ url: testDb.url, schema: 'svc' });
    await migrateToLatest({ db: database.db, schema: 'svc', migrations: { '0001_dev_clock': createDevClockTable } });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('runs on real time until it is moved, and a clock loaded later (a restarted service) starts where it was left', async () => {
    const clock = await loadDevClock(database.db, base);
    expect(clock.offsetMs).toBe(0);
    expect(clock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');

    expect(await clock.advanceTo(3 * day)).toBe(3 * day);
    expect(clock.now().toISOString()).toBe('2026-03-04T10:00:00.000Z');

    const restarted = await loadDevClock(database.db, base);
    expect(restarted.offsetMs).toBe(3 * day);
    expect(restarted.now().toISOString()).toBe('2026-03-04T10:00:00.000Z');
  });

  it('never moves back, in memory or stored: a smaller offset answers the one in force', async () => {
    const clock = await loadDevClock(database.db, base);
    expect(await clock.advanceTo(day)).toBe(3 * day);
    expect(clock.offsetMs).toBe(3 * day);
    expect((await loadDevClock(database.db, base)).offsetMs).toBe(3 * day);
  });

  it('catches up with an offset another process stored meanwhile', async () => {
    const first = await loadDevClock(database.db, base);
    const second = await loadDevClock(database.db, base);
    await second.advanceTo(5 * day);
    // `first` is still at 3 days in memory; asking it for 4 answers the stored 5.
    expect(await first.advanceTo(4 * day)).toBe(5 * day);
    expect(first.now().toISOString()).toBe('2026-03-06T10:00:00.000Z');
  });

  it('locks its row for a move that spans other work, and stores the move in that transaction', async () => {
    const clock = await loadDevClock(database.db, base);
    const order: string[] = [];
    const firstMove = database.db.transaction().execute(async (trx) => {
      const offset = await lockDevClock(trx);
      order.push(`first read ${offset / day}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await clock.advanceTo(offset + day, trx);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const secondMove = database.db.transaction().execute(async (trx) => {
      const offset = await lockDevClock(trx);
      order.push(`second read ${offset / day}`);
      await clock.advanceTo(offset + day, trx);
    });
    await Promise.all([firstMove, secondMove]);
    expect(order).toEqual(['first read 5', 'second read 6']);
    expect((await loadDevClock(database.db, base)).offsetMs).toBe(7 * day);
  });

  it('leaves nothing behind when the transaction of a move rolls back', async () => {
    const clock = await loadDevClock(database.db, base);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await clock.advanceTo((await lockDevClock(trx)) + day, trx);
        throw new Error('a peer failed');
      }),
    ).rejects.toThrow('a peer failed');
    expect((await loadDevClock(database.db, base)).offsetMs).toBe(7 * day);
  });
});
