import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// Frozen: never edit, add a new migration instead.
// Only what ARCHITECTURE.md allows: time, Proceed/Delay, cycle day (and whose, for history and erasure).
// timestamptz(3): event times are milliseconds, and page tokens carry epoch milliseconds exactly.
export const createDecisionLogs: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('decision_logs')
      .addColumn('decision_id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'timestamptz(3)', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull().check(sql`decision in ('Proceed', 'Delay')`))
      .addColumn('cycle_day', 'smallint', (c) => c.notNull().check(sql`cycle_day between 1 and 7`))
      .execute();
    // History pages: one user, newest first, ties broken by id (the keyset of the page token).
    await db.schema.createIndex('decision_logs_user_time_idx').on('decision_logs').columns(['user_id', 'decided_at desc', 'decision_id desc']).execute();
    // Summary over a time range and the retention purge.
    await db.schema.createIndex('decision_logs_decided_at_idx').on('decision_logs').column('decided_at').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('decision_logs').execute();
  },
};
