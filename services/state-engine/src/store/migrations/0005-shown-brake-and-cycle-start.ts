import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The cycle day a pending brake was shown on (a decision answers the brake as it was shown), and the instant
 * the current cycle started (history names it; recomputing it in the current zone after a zone change would
 * name an instant the cycle never started at).
 */
export const addShownBrakeAndCycleStart: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('user_states').addColumn('pending_day', 'smallint').execute();
    await db.schema.alterTable('user_states').addColumn('cycle_started_at', 'timestamptz').execute();
    // Existing cycles: the first instant of their start date in the zone they have now (the best there is).
    // A midnight that did not exist (DST at 00:00) resolves an hour off here; the next cycle is exact.
    await sql`update user_states set cycle_started_at = (cycle_start_date::timestamp at time zone timezone)`.execute(db);
    await db.schema.alterTable('user_states').alterColumn('cycle_started_at', (c) => c.setNotNull()).execute();
  },
};
