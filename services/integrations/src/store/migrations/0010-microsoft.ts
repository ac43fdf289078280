import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Microsoft 365 calendars (issue 18): `microsoft` as a connection provider and as a calendar event source, and the
 * Graph change-notification subscriptions (only the sha256 of each one's clientState secret).
 */
export const addMicrosoft: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`alter table connections drop constraint if exists connections_provider_check`.execute(db);
    await sql`alter table connections add constraint connections_provider_check check (provider in ('whoop', 'google_calendar', 'microsoft'))`.execute(db);
    await sql`alter table calendar_events drop constraint if exists calendar_events_source_check`.execute(db);
    await sql`alter table calendar_events add constraint calendar_events_source_check check (source in ('google', 'mock', 'microsoft'))`.execute(db);

    await db.schema
      .createTable('graph_subscriptions')
      .addColumn('subscription_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('client_state_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('renewed_at', 'timestamptz')
      .addColumn('reauthorize_requested_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('graph_subscriptions_user_idx').on('graph_subscriptions').column('user_id').execute();
    await db.schema.createIndex('graph_subscriptions_expires_at_idx').on('graph_subscriptions').column('expires_at').execute();
  },
};
