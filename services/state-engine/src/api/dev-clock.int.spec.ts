import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, DurationSchema, timestampDate } from '@bufbuild/protobuf/wkt';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { createDatabase, loadDevClock, migrateToLatest, type Database as ServiceDatabase } from '@omtobe/db';
import { createErrorInterceptor } from '@omtobe/platform';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createTestDatabase, TestClock, type TestDatabase } from '@omtobe/testing';
import { logger } from '../../test/harness.ts';
import { defaultRules } from '../domain/index.ts';
import { schema, type Database } from '../store/database.ts';
import { migrations } from '../store/migrations/index.ts';
import { stateEngineRoutes } from './routes.ts';

const minute = 60_000;

describe('the state engine’s development clock over its RPCs', () => {
  let testDb: TestDatabase;
  let database: ServiceDatabase<Database>;
  const clock = new TestClock('2026-03-06T10:00:00Z');
  let client: Client<typeof StateEngineService>;

  beforeAll(async () => {
    testDb = await createTestDatabase('state_engine_dev_clock');
    database = createDatabase<Database>({ url: testDb.url, schema });
    await migrateToLatest({ db: database.db, schema, migrations });
    const devClock = await loadDevClock(database.db, clock);
    const routes = stateEngineRoutes({ db: database.db, clock: devClock, rules: defaultRules, logger, devClock });
    client = createClient(StateEngineService, createRouterTransport(routes, { router: { interceptors: [createErrorInterceptor(logger)] } }));
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('moves with AdvanceDevClock (never back) and the deprecated AdvanceClock, and keeps the offset for the next start', async () => {
    const moved = await client.advanceDevClock({ offset: durationFromMs(3 * 24 * 60 * minute) });
    expect(moved.offset).toMatchObject({ seconds: 259_200n });
    expect(timestampDate(moved.now!).toISOString()).toBe('2026-03-09T10:00:00.000Z');
    expect((await client.advanceDevClock({ offset: durationFromMs(minute) })).offset).toMatchObject({ seconds: 259_200n });

    // Deprecated (this service alone), still served for callers of old.
    const old = await client.advanceClock({ by: create(DurationSchema, { seconds: 20n * 60n }) });
    expect(timestampDate(old.now!).toISOString()).toBe('2026-03-09T10:20:00.000Z');

    // What a restarted engine loads.
    expect((await loadDevClock(database.db, clock)).now().toISOString()).toBe('2026-03-09T10:20:00.000Z');
  });
});
