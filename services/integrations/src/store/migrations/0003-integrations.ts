import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Known users, HRV samples, high-stakes events, provider connections and the OAuth/webhook bookkeeping. */
export const createIntegrationsTables: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('known_users')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'timestamptz', (c) => c.notNull())
      .addColumn('mock_drop_ratio', 'float8')
      .addColumn('mock_drop_until', 'timestamptz')
      .execute();

    await db.schema
      .createTable('hrv_samples')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('healthkit', 'whoop', 'mock')`))
      .addColumn('sample_id', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull().check(sql`metric in ('sdnn', 'rmssd')`))
      .addColumn('value_ms', 'float8', (c) => c.notNull())
      .addColumn('measured_at', 'timestamptz', (c) => c.notNull())
      .addColumn('received_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('hrv_samples_pkey', ['user_id', 'source', 'sample_id'])
      .execute();
    // The mock's "recent norm" and the export read one user's samples by time; the purge reads by time only.
    await db.schema.createIndex('hrv_samples_user_time_idx').on('hrv_samples').columns(['user_id', 'measured_at']).execute();
    await db.schema.createIndex('hrv_samples_measured_at_idx').on('hrv_samples').column('measured_at').execute();

    await db.schema
      .createTable('calendar_events')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('google', 'mock')`))
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('calendar_events_pkey', ['user_id', 'source', 'event_id'])
      .execute();
    await db.schema.createIndex('calendar_events_ends_at_idx').on('calendar_events').column('ends_at').execute();

    await db.schema
      .createTable('connections')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('whoop', 'google_calendar')`))
      .addColumn('provider_user_id', 'text')
      .addColumn('access_token', 'bytea', (c) => c.notNull())
      .addColumn('refresh_token', 'bytea', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('access_expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'reauth_required')`))
      .addColumn('connected_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_synced_at', 'timestamptz')
      .addColumn('sync_cursor', 'text')
      .addColumn('full_synced_at', 'timestamptz')
      .addColumn('sync_due_at', 'timestamptz')
      .addColumn('sync_lease_until', 'timestamptz')
      .addColumn('sync_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('connections_pkey', ['user_id', 'provider'])
      .execute();
    await db.schema.createIndex('connections_provider_user_idx').on('connections').columns(['provider', 'provider_user_id']).execute();
    await db.schema.createIndex('connections_sync_due_idx').on('connections').column('sync_due_at').execute();
    await db.schema.createIndex('connections_key_id_idx').on('connections').column('key_id').execute();

    await db.schema
      .createTable('oauth_states')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oauth_states_expires_at_idx').on('oauth_states').column('expires_at').execute();
    await db.schema.createIndex('oauth_states_user_idx').on('oauth_states').column('user_id').execute();

    await db.schema
      .createTable('calendar_channels')
      .addColumn('channel_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('calendar_channels_user_idx').on('calendar_channels').column('user_id').execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('trace_id', 'text', (c) => c.primaryKey())
      .addColumn('received_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_deliveries_received_at_idx').on('webhook_deliveries').column('received_at').execute();

    await db.schema
      .createTable('revocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('access_token', 'bytea', (c) => c.notNull())
      .addColumn('refresh_token', 'bytea', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('channels', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('due_at', 'timestamptz', (c) => c.notNull())
      .addColumn('lease_until', 'timestamptz')
      .execute();
  },
};
