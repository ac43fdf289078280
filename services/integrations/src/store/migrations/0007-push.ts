import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Devices registered for pushes and the pushes owed to them (one row per transition and device). */
export const createPushTables: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull().check(sql`platform in ('ios', 'android')`))
      .addColumn('environment', 'text', (c) => c.notNull().check(sql`environment in ('sandbox', 'production')`))
      .addColumn('token', 'bytea', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('devices_token_idx').on('devices').columns(['platform', 'token_hash']).unique().execute();
    await db.schema.createIndex('devices_user_idx').on('devices').columns(['user_id', 'updated_at']).execute();
    await db.schema.createIndex('devices_key_id_idx').on('devices').column('key_id').execute();

    await db.schema
      .createTable('push_deliveries')
      .addColumn('delivery_id', 'text', (c) => c.primaryKey())
      .addColumn('transition_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('brake', 'reflection', 'reading')`))
      .addColumn('event_id', 'text')
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'device_gone', 'expired', 'cancelled', 'dead')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('due_at', 'timestamptz', (c) => c.notNull())
      .addColumn('lease_until', 'timestamptz')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('finished_at', 'timestamptz')
      .addUniqueConstraint('push_deliveries_transition_device_key', ['transition_id', 'device_id'])
      .execute();
    // The worker reads only pending rows by due time; the purge reads finished rows by when they finished.
    await sql`create index push_deliveries_due_idx on push_deliveries (due_at) where status = 'pending'`.execute(db);
    await db.schema.createIndex('push_deliveries_user_idx').on('push_deliveries').columns(['user_id', 'kind']).execute();
    await db.schema.createIndex('push_deliveries_device_idx').on('push_deliveries').column('device_id').execute();
    await db.schema.createIndex('push_deliveries_finished_idx').on('push_deliveries').columns(['status', 'finished_at']).execute();
  },
};
