import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { createDatabase } from '@omtobe/db';
import { UserDeletedSchema, UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import { CalendarSource, HighStakesEventUpsertedSchema, HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import { Decision } from '@omtobe/proto/state-engine/v1';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { checkBrake } from '../operations/check-brake.ts';
import { refreshLatest } from '../operations/baselines.ts';
import { schema, type Database } from './database.ts';

const minute = 60_000;
const now0 = new Date('2026-06-10T13:00:00Z');

async function seedUser(h: EngineHarness, userId: string): Promise<void> {
  const now = h.clock.now();
  await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone: 'Europe/London', registeredAt: timestampFromDate(new Date(now.getTime() - 3 * 1440 * minute)) }));
  for (let i = 0; i < 4; i += 1) {
    await h.deliver(topics.hrv, userId, HrvSampleRecordedSchema, create(HrvSampleRecordedSchema, {
      userId, sampleId: `${userId}-${i}`, metric: HrvMetric.SDNN, source: HrvSource.HEALTHKIT, valueMs: 50 + i, measuredAt: timestampFromDate(new Date(now.getTime() - (i + 1) * 700 * minute)),
    }));
  }
  await h.deliver(topics.hrv, userId, HrvSampleRecordedSchema, create(HrvSampleRecordedSchema, {
    userId, sampleId: `${userId}-now`, metric: HrvMetric.SDNN, source: HrvSource.HEALTHKIT, valueMs: 30, measuredAt: timestampFromDate(new Date(now.getTime() - minute)),
  }));
  await h.deliver(topics.calendar, userId, HighStakesEventUpsertedSchema, create(HighStakesEventUpsertedSchema, {
    userId, eventId: `${userId}-e`, title: 'Quarterly Review', startsAt: timestampFromDate(new Date(now.getTime() - minute)), endsAt: timestampFromDate(new Date(now.getTime() + 60 * minute)), source: CalendarSource.GOOGLE,
  }));
}

describe('state engine store', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started));

  it('erasure leaves no row of the user in any table of the schema, and other users untouched', async () => {
    await seedUser(h, 'erase-me');
    await seedUser(h, 'keep-me');
    expect((await h.client.checkBrake({ userId: 'erase-me' })).shouldDisplay).toBe(true);
    await h.client.submitDecision({ userId: 'erase-me', decision: Decision.DELAY, idempotencyKey: 'k1' });

    await h.deliver(topics.users, 'erase-me', UserDeletedSchema, create(UserDeletedSchema, { userId: 'erase-me' }));

    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.columns where table_schema = ${schema} and column_name = 'user_id'`.execute(h.deps.db);
    expect(tables.rows.map((t) => t.table_name).sort()).toEqual(['erasures', 'high_stakes_events', 'hrv_latest', 'hrv_samples', 'idempotency_keys', 'user_states']);
    // The tombstone (user id and when) is what keeps late events of the erased user out; it expires.
    for (const { table_name } of tables.rows.filter((t) => t.table_name !== 'erasures')) {
      const count = async (user: string) =>
        (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} where user_id = ${user}`.execute(h.deps.db)).rows[0]!.n;
      expect({ table_name, rows: await count('erase-me') }).toEqual({ table_name, rows: 0 });
    }
    // A sample written before the erasure but delivered after it (another topic) must not bring the user back.
    const late = await h.deliver(
      topics.hrv,
      'erase-me',
      HrvSampleRecordedSchema,
      create(HrvSampleRecordedSchema, { userId: 'erase-me', sampleId: 'late', metric: HrvMetric.SDNN, source: HrvSource.HEALTHKIT, valueMs: 40, measuredAt: timestampFromDate(new Date(h.clock.now().getTime() - 5 * minute)) }),
      undefined,
      new Date(h.clock.now().getTime() - minute),
    );
    expect(late.erased).toBe(true);
    const lateRows = await sql<{ n: number }>`select count(*)::int as n from hrv_samples where user_id = 'erase-me'`.execute(h.deps.db);
    expect(lateRows.rows[0]!.n).toBe(0);
    const kept = await sql<{ n: number }>`select count(*)::int as n from user_states where user_id = 'keep-me'`.execute(h.deps.db);
    expect(kept.rows[0]!.n).toBe(1);
    // Nor does the outbox hold anything of the erased user (erasure deletes what is still waiting there), nor titles.
    const pending = await sql<{ n: number }>`select count(*)::int as n from outbox where key = 'erase-me'`.execute(h.deps.db);
    expect(pending.rows[0]!.n).toBe(0);
    const titles = await sql<{ n: number }>`select count(*)::int as n from outbox where encode(payload, 'escape') like '%Quarterly Review%'`.execute(h.deps.db);
    expect(titles.rows[0]!.n).toBe(0);
  });

  it('gives a batch of events delivered together the same samples, latest reading and baseline as one at a time', async () => {
    const now = h.clock.now().getTime();
    // Out of time order on purpose (the latest reading is the newest measured, not the last delivered); s1 is
    // corrected later in the batch, s3 withdrawn and then recorded again, s5 withdrawn.
    const recorded = (userId: string, i: number, valueMs: number, hoursAgo: number) => ({
      schema: HrvSampleRecordedSchema,
      message: create(HrvSampleRecordedSchema, { userId, sampleId: `s${i}`, metric: HrvMetric.SDNN, source: HrvSource.HEALTHKIT, valueMs, measuredAt: timestampFromDate(new Date(now - hoursAgo * 60 * minute)) }),
    });
    const withdrawn = (userId: string, i: number) => ({
      schema: HrvSampleDeletedSchema,
      message: create(HrvSampleDeletedSchema, { userId, sampleId: `s${i}`, metric: HrvMetric.SDNN }),
    });
    const events = (u: string) => [
      recorded(u, 0, 51.5, 60),
      recorded(u, 1, 99, 50),
      recorded(u, 2, 30.1, 1),
      withdrawn(u, 3),
      recorded(u, 3, 52, 40),
      recorded(u, 4, 49.75, 30),
      recorded(u, 1, 48.25, 50),
      recorded(u, 5, 20, 25),
      withdrawn(u, 5),
      recorded(u, 6, 50.5, 20),
      recorded(u, 7, 47, 10),
    ];
    for (const userId of ['one-by-one', 'together']) {
      await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone: 'Asia/Kolkata', registeredAt: timestampFromDate(new Date(now - 4 * 1440 * minute)) }));
    }
    for (const { schema, message } of events('one-by-one')) await h.deliver(topics.hrv, 'one-by-one', schema, message);
    const handled = await h.deliverAll(topics.hrv, 'together', events('together'));
    expect(handled.every((e) => !e.duplicate && !e.erased)).toBe(true);

    const stored = async (userId: string) => {
      const samples = await h.deps.db.selectFrom('hrv_samples').select(['sample_id', 'value_ms', 'measured_at']).where('user_id', '=', userId).orderBy('sample_id').execute();
      const { user_id: _user, ...latest } = await h.deps.db.selectFrom('hrv_latest').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
      return { samples, latest };
    };
    const together = await stored('together');
    expect(together).toEqual(await stored('one-by-one'));
    expect(together.samples.map((r) => [r.sample_id, r.value_ms])).toEqual([['s0', 51.5], ['s1', 48.25], ['s2', 30.1], ['s3', 52], ['s4', 49.75], ['s6', 50.5], ['s7', 47]]);
    expect(together.latest).toMatchObject({ value_ms: 30.1, measured_at: new Date(now - 60 * minute), baseline_sample_count: 6 });
    expect(together.latest.baseline_mean_ms).toBeCloseTo((51.5 + 48.25 + 52 + 49.75 + 50.5 + 47) / 6, 9);
  });

  it('CheckBrake reads in one indexed statement whether a user has 5 samples or 20,000, and never reads the samples', async () => {
    await seedUser(h, 'small');
    await seedUser(h, 'big');
    // 20,000 more samples for "big" over the past week, written directly (the consumer path is tested above).
    const now = h.clock.now().getTime();
    await sql`
      insert into hrv_samples (user_id, metric, sample_id, value_ms, measured_at)
      select 'big', 'sdnn', 'bulk-' || g, 45 + (g % 10), ${new Date(now - 7 * 1440 * minute)}::timestamptz + (g * interval '30 seconds')
      from generate_series(1, 20000) g`.execute(h.deps.db);
    await refreshLatest(h.deps.db, 'big', 'sdnn', 'Europe/London', h.deps.rules, h.clock.now());

    const queries: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const counting = createDatabase<Database>({
      url: h.databaseUrl,
      schema,
      log: (event) => {
        if (event.level === 'query') queries.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    try {
      const deps = { ...h.deps, db: counting.db };
      const costOf = async (userId: string) => {
        queries.length = 0;
        await checkBrake(deps, userId);
        return [...queries];
      };
      const small = await costOf('small');
      const big = await costOf('big');
      expect(big.length).toBe(small.length);
      // One read, and the write that makes the shown brake the pending one.
      expect(big.map((q) => q.sql.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['select', 'update']);
      expect(big.some((q) => q.sql.includes('hrv_samples'))).toBe(false);

      // Every table of the read has an index path: with sequential scans priced out, the planner still finds
      // a plan using an index for each (on tables this small it would otherwise rightly prefer a scan).
      const reads = big.filter((q) => /^\s*select/i.test(q.sql));
      expect(reads).toHaveLength(1);
      const client = await counting.pool.connect();
      try {
        await client.query('set enable_seqscan = off');
        for (const q of reads) {
          const plan = await client.query(`explain (costs off) ${q.sql}`, [...q.parameters]);
          const text = plan.rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n');
          for (const table of ['user_states', 'hrv_latest', 'high_stakes_events']) {
            expect({ table, plan: text }).toEqual({ table, plan: expect.stringMatching(new RegExp(`Index (Only )?Scan using \\w+ on ${table}|Bitmap Index Scan on ${table}_\\w+`)) });
          }
          expect(text).not.toMatch(/Seq Scan/);
        }
      } finally {
        client.release();
      }
    } finally {
      await counting.close();
    }
  });
});
