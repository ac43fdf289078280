import { describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { useTestDb } from '../../test/support.ts';

/**
 * The promise of seed 000 and ARCHITECTURE.md "Minimal data", checked against the real schema: the logs hold
 * time, answer, cycle day / cycle start and whose — nothing else (no titles, notes, emotions, created_at).
 * Infrastructure tables are listed too, so a new table cannot slip in unnoticed.
 */
const allowed: Record<string, Record<string, string>> = {
  decision_logs: {
    decision_id: 'uuid',
    user_id: 'text',
    decided_at: 'timestamp with time zone',
    decision: 'text',
    cycle_day: 'smallint',
  },
  reflection_logs: {
    reflection_id: 'uuid',
    user_id: 'text',
    answered_at: 'timestamp with time zone',
    response: 'text',
    cycle_start: 'timestamp with time zone',
  },
  // Erasure tombstones: who was erased, when, and which registration ended, kept only while a late event could arrive.
  erasures: { user_id: 'text', erased_at: 'timestamp with time zone', registered_at: 'timestamp with time zone' },
  // Development mode's clock: how far ahead of real time the service runs (one row; empty in production).
  dev_clock: { id: 'smallint', offset_ms: 'bigint', updated_at: 'timestamp with time zone' },
  // Event ids this service has handled (no payloads).
  inbox: { consumer: 'text', event_id: 'text', processed_at: 'timestamp with time zone' },
  // The shared outbox layout; the decision log publishes nothing, so it stays empty.
  outbox: {
    id: 'bigint',
    event_id: 'uuid',
    topic: 'text',
    key: 'text',
    event_type: 'text',
    payload: 'bytea',
    headers: 'jsonb',
    occurred_at: 'timestamp with time zone',
    attempts: 'integer',
    last_error: 'text',
  },
  kysely_migration: { name: 'character varying', timestamp: 'character varying' },
  kysely_migration_lock: { id: 'character varying', is_locked: 'integer' },
};

describe('schema decision_log', () => {
  const t = useTestDb('decision_log_schema');

  it('holds exactly the allowed tables and columns', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'decision_log' order by table_name, ordinal_position`.execute(t.db);
    const actual: Record<string, Record<string, string>> = {};
    for (const row of rows) (actual[row.table_name] ??= {})[row.column_name] = row.data_type;
    expect(actual).toEqual(allowed);
  });

  it('requires every log column and allows only the contract\'s answers and days', async () => {
    const { rows: nullable } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
      where table_schema = 'decision_log' and table_name in ('decision_logs', 'reflection_logs') and is_nullable = 'YES'`.execute(t.db);
    expect(nullable).toEqual([]);

    const insertDecision = (decision: string, day: number) =>
      sql`insert into decision_logs values (gen_random_uuid(), 'u', now(), ${decision}, ${day})`.execute(t.db);
    await expect(insertDecision('Maybe', 3)).rejects.toThrow(/check constraint/);
    await expect(insertDecision('Delay', 0)).rejects.toThrow(/check constraint/);
    await expect(insertDecision('Delay', 8)).rejects.toThrow(/check constraint/);
    await expect(insertDecision('proceed', 3)).rejects.toThrow(/check constraint/);
    await expect(
      sql`insert into reflection_logs values (gen_random_uuid(), 'u', now(), 'Maybe', now())`.execute(t.db),
    ).rejects.toThrow(/check constraint/);
    await insertDecision('Proceed', 7);
    await sql`delete from decision_logs`.execute(t.db);
  });

  it('stores times to the millisecond, the precision page tokens carry', async () => {
    await sql`insert into decision_logs values (gen_random_uuid(), 'u-ms', '2025-01-08T10:00:00.123456Z', 'Delay', 3)`.execute(t.db);
    const row = await t.db.selectFrom('decision_logs').select('decided_at').where('user_id', '=', 'u-ms').executeTakeFirstOrThrow();
    expect(row.decided_at.toISOString()).toBe('2025-01-08T10:00:00.123Z');
    await sql`delete from decision_logs`.execute(t.db);
  });

  it('has indexes for history pages (user, time desc, id desc) and for time ranges', async () => {
    const { rows } = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where schemaname = 'decision_log' and tablename in ('decision_logs', 'reflection_logs')
      order by indexname`.execute(t.db);
    const definitions = rows.map((r) => r.indexdef.replace(/^.* USING btree /, ''));
    expect(definitions).toEqual([
      '(decided_at)',
      '(decision_id)',
      '(user_id, decided_at DESC, decision_id DESC)',
      '(answered_at)',
      '(reflection_id)',
      '(user_id, answered_at DESC, reflection_id DESC)',
    ]);
  });

  it('answers a history page from the (user, time, id) index', async () => {
    await sql`insert into decision_logs
      select gen_random_uuid(), 'user-' || (i % 50), timestamptz '2025-01-01' + i * interval '1 minute', 'Delay', 1 + i % 7
      from generate_series(1, 20000) as i`.execute(t.db);
    await sql`analyze decision_logs`.execute(t.db);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      explain select decision_id, decided_at from decision_logs
      where user_id = 'user-7' and (decided_at, decision_id) < (timestamptz '2025-01-10', '7f000000-0000-4000-8000-000000000000'::uuid)
      order by decided_at desc, decision_id desc limit 21`.execute(t.db);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using decision_logs_user_time_idx/);
    // The cursor is a seek into the index, not a filter over the user's earlier rows.
    expect(plan).toMatch(/Index Cond: .*ROW\(decided_at, decision_id\) </);
    expect(plan).not.toMatch(/Sort/);
  });
});
