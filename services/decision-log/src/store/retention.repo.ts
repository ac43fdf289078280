import type { Kysely } from 'kysely';
import type { Database } from './database.ts';

/**
 * Deletes rows recorded before `cutoff`, in batches, so one purge of a large backlog never holds long
 * locks or one huge transaction. Returns the number of rows deleted per log.
 */
export async function purgeOlderThan(
  db: Kysely<Database>,
  cutoff: Date,
  batchSize = 5_000,
): Promise<{ decisions: number; reflections: number }> {
  let decisions = 0;
  for (;;) {
    const result = await db
      .deleteFrom('decision_logs')
      .where('decision_id', 'in', (eb) => eb.selectFrom('decision_logs').select('decision_id').where('decided_at', '<', cutoff).limit(batchSize))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    decisions += deleted;
    if (deleted < batchSize) break;
  }
  let reflections = 0;
  for (;;) {
    const result = await db
      .deleteFrom('reflection_logs')
      .where('reflection_id', 'in', (eb) =>
        eb.selectFrom('reflection_logs').select('reflection_id').where('answered_at', '<', cutoff).limit(batchSize),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    reflections += deleted;
    if (deleted < batchSize) break;
  }
  return { decisions, reflections };
}
