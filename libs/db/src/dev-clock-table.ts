import { sql } from 'kysely';
import type { Generated } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { MigrationDb } from './migrate.ts';
import type { Int8, Timestamptz } from './types.ts';

/**
 * The development clock's offset (dev-clock.ts): one row, how far ahead of the system clock the service runs.
 * Development mode only; the table stays empty in production, where every service runs on the system clock.
 */
export interface DevClockTable {
  /** Always 1: the table has one row. */
  id: Generated<number>;
  offset_ms: Int8;
  updated_at: Timestamptz;
}

export interface DevClockTables {
  dev_clock: DevClockTable;
}

/** Frozen: every service with a development clock includes it in its own migration list. Add, never edit. */
export const createDevClockTable: Migration = {
  async up(db: MigrationDb): Promise<void> {
    await db.schema
      .createTable('dev_clock')
      .addColumn('id', 'smallint', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
      .addColumn('offset_ms', 'bigint', (c) => c.notNull().check(sql`offset_ms >= 0`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
  async down(db: MigrationDb): Promise<void> {
    await db.schema.dropTable('dev_clock').execute();
  },
};
