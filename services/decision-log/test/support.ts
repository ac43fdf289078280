// Shared by the decision log's tests: a migrated database of its own per test file, the service's `deps`, and
// records to store.
import { afterAll, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type pg from 'pg';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { systemClock } from '@omtobe/platform';
import { createTestDatabase } from '@omtobe/testing';
import type { DecisionRecord, ReflectionRecord } from '../src/domain/records.ts';
import type { Deps } from '../src/operations/deps.ts';
import type { DecisionLogMetrics } from '../src/operations/metrics.ts';
import { schema, type Database } from '../src/store/database.ts';
import { migrations } from '../src/store/migrations/index.ts';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface TestDb {
  db: Kysely<Database>;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** A fresh database on the run's PostgreSQL with schema decision_log migrated. */
export async function openTestDb(name: string): Promise<TestDb> {
  const database = await createTestDatabase(name);
  const { db, pool, close } = createDatabase<Database>({ url: database.url, schema });
  await migrateToLatest({ db, schema, migrations });
  return {
    db,
    pool,
    url: database.url,
    async close() {
      await close();
      await database.drop();
    },
  };
}

/** The file's own database for its tests: filled in before they run (beforeAll), dropped after them (afterAll). */
export function useTestDb(name: string): TestDb {
  const t = {} as TestDb;
  beforeAll(async () => {
    Object.assign(t, await openTestDb(name));
  });
  afterAll(async () => {
    await t.close?.();
  });
  return t;
}

const uncounted: DecisionLogMetrics = { decisionRecorded() {}, reflectionRecorded() {}, cycleReset() {}, userErased() {} };

/** The service's `deps` as main.ts builds them, over `db`: real time and no counting unless overridden. */
export function testDeps(db: Kysely<Database>, overrides: Partial<Deps> = {}): Deps {
  return { db, metrics: uncounted, clock: systemClock, ...overrides };
}

export function decision(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    decisionId: randomUUID(),
    userId: 'user-a',
    decidedAt: new Date('2025-01-08T10:00:00.000Z'),
    decision: 'Delay',
    cycleDay: 3,
    ...overrides,
  };
}

export function reflection(overrides: Partial<ReflectionRecord> = {}): ReflectionRecord {
  return {
    reflectionId: randomUUID(),
    userId: 'user-a',
    answeredAt: new Date('2025-01-12T09:30:00.000Z'),
    response: 'Yes',
    cycleStart: new Date('2025-01-06T00:00:00.000Z'),
    ...overrides,
  };
}

/** `n` minutes after `base`. */
export function minutesAfter(base: Date | string, n: number): Date {
  return new Date(new Date(base).getTime() + n * 60_000);
}
