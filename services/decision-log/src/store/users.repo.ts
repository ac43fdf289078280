import type { Db } from './database.ts';

/** Erasure: removes every row of the user from both logs. Returns how many rows went, for the log line. */
export async function eraseUser(db: Db, userId: string): Promise<{ decisions: number; reflections: number }> {
  const decisions = await db.deleteFrom('decision_logs').where('user_id', '=', userId).executeTakeFirst();
  const reflections = await db.deleteFrom('reflection_logs').where('user_id', '=', userId).executeTakeFirst();
  return { decisions: Number(decisions.numDeletedRows), reflections: Number(reflections.numDeletedRows) };
}
