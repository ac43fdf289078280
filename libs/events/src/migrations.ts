import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// Frozen migrations that every service with an outbox or an inbox includes in its own migration list,
// so the tables live in the service's schema. Never edit them: add new ones.

/** The transactional outbox: events written with the state change, published by the relay, then deleted. */
export const createOutboxTable: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'bytea', (c) => c.notNull())
      .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('outbox').execute();
  },
};

/** The inbox: one row per (consumer, event id) whose effect is done, written in the effect's transaction. */
export const createInboxTable: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('inbox')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('inbox_pkey', ['consumer', 'event_id'])
      .execute();
    await db.schema.createIndex('inbox_processed_at_idx').on('inbox').column('processed_at').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('inbox').execute();
  },
};

/** Erasure tombstones (user id, when): events of an erased user that occurred before it are dropped. */
export const createErasuresTable: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('erasures')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('erased_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('erasures').execute();
  },
};

/**
 * The registration an erasure ended (UserDeleted.registered_at): events naming that registration or an earlier
 * one are dropped whenever they arrive (erasures.ts `erasedBy`). Null for tombstones written before it.
 */
export const addErasureRegistration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('erasures').addColumn('registered_at', 'timestamptz').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('erasures').dropColumn('registered_at').execute();
  },
};
