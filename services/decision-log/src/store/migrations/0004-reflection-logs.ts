import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// Frozen: never edit, add a new migration instead.
// Only what ARCHITECTURE.md allows: time, Yes/No/Skip, cycle start (and whose, for history and erasure).
export const createReflectionLogs: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('reflection_logs')
      .addColumn('reflection_id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'timestamptz(3)', (c) => c.notNull())
      .addColumn('response', 'text', (c) => c.notNull().check(sql`response in ('Yes', 'No', 'Skip')`))
      .addColumn('cycle_start', 'timestamptz(3)', (c) => c.notNull())
      .execute();
    // History pages: one user, newest first, ties broken by id (the keyset of the page token).
    await db.schema.createIndex('reflection_logs_user_time_idx').on('reflection_logs').columns(['user_id', 'answered_at desc', 'reflection_id desc']).execute();
    // Summary over a time range and the retention purge.
    await db.schema.createIndex('reflection_logs_answered_at_idx').on('reflection_logs').column('answered_at').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('reflection_logs').execute();
  },
};
