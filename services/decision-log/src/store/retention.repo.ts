import type { Db } from './database.ts';
import { decisionLog } from './decisions.repo.ts';
import { deleteOlderThan } from './logs.ts';
import { reflectionLog } from './reflections.repo.ts';

/** Deletes rows recorded before `cutoff` from both logs, in batches. Returns the number of rows deleted per log. */
export async function purgeOlderThan(db: Db, cutoff: Date, batchSize = 5_000): Promise<{ decisions: number; reflections: number }> {
  const decisions = await deleteOlderThan(db, decisionLog, cutoff, batchSize);
  const reflections = await deleteOlderThan(db, reflectionLog, cutoff, batchSize);
  return { decisions, reflections };
}
