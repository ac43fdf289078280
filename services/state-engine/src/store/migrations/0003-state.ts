import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Cycle, brake and lock state per user; HRV samples with the latest one's baseline; active high-stakes events. */
export const createStateTables: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('user_states')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('timezone', 'text', (c) => c.notNull())
      // The cycle's first local date: days are counted in the user's zone from it.
      .addColumn('cycle_start_date', 'date', (c) => c.notNull())
      .addColumn('reflection_answered_at', 'timestamptz')
      .addColumn('next_cycle_start_date', 'date')
      .addColumn('pending_event_id', 'text')
      .addColumn('cooling_until', 'timestamptz')
      .addColumn('locked_event_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
      // When time-driven work (cycle rollover) is due for this user.
      .addColumn('due_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('user_states_due_at_idx').on('user_states').column('due_at').execute();

    await db.schema
      .createTable('hrv_samples')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull().check(sql`metric in ('sdnn', 'rmssd')`))
      .addColumn('sample_id', 'text', (c) => c.notNull())
      .addColumn('value_ms', 'float8', (c) => c.notNull())
      .addColumn('measured_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('hrv_samples_pkey', ['user_id', 'metric', 'sample_id'])
      .execute();
    // The baseline window of one user and metric is one range scan of this index.
    await db.schema.createIndex('hrv_samples_window_idx').on('hrv_samples').columns(['user_id', 'metric', 'measured_at']).execute();
    await db.schema.createIndex('hrv_samples_measured_at_idx').on('hrv_samples').column('measured_at').execute();

    // The latest sample of each metric with the baseline it is judged against, computed when samples
    // arrive, so a brake check reads one row instead of a week of samples.
    await db.schema
      .createTable('hrv_latest')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('value_ms', 'float8', (c) => c.notNull())
      .addColumn('measured_at', 'timestamptz', (c) => c.notNull())
      .addColumn('baseline_mean_ms', 'float8')
      .addColumn('baseline_std_dev_ms', 'float8')
      .addColumn('baseline_sample_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('hrv_latest_pkey', ['user_id', 'metric'])
      .execute();

    await db.schema
      .createTable('high_stakes_events')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('high_stakes_events_pkey', ['user_id', 'event_id'])
      .execute();
    await db.schema.createIndex('high_stakes_events_active_idx').on('high_stakes_events').columns(['user_id', 'ends_at', 'starts_at']).execute();
    await db.schema.createIndex('high_stakes_events_ends_at_idx').on('high_stakes_events').column('ends_at').execute();

    // Answers to decisions and reflections by idempotency key: a retry gets the first answer.
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('response', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pkey', ['user_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created_at_idx').on('idempotency_keys').column('created_at').execute();
  },
};
