import type { Kysely } from 'kysely';
import type { PageCursor } from '../domain/page-token.ts';
import type { Page } from '../domain/paging.ts';
import type { DecisionEntry, DecisionRecord } from '../domain/records.ts';
import type { Database } from './database.ts';

/**
 * Stores a decision once: true when this call added the row, false when it was there already. The
 * conflict guard is the second line of defence behind the consumer's inbox — it catches the same
 * decision arriving under a new event id (a producer retry that re-enqueued it).
 */
export async function insertDecision(db: Kysely<Database>, record: DecisionRecord): Promise<boolean> {
  const inserted = await db
    .insertInto('decision_logs')
    .values({
      decision_id: record.decisionId,
      user_id: record.userId,
      decided_at: record.decidedAt,
      decision: record.decision,
      cycle_day: record.cycleDay,
    })
    .onConflict((oc) => oc.column('decision_id').doNothing())
    .returning('decision_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** One page of a user's decisions, newest first, strictly after `after` in that order. */
export async function listDecisions(
  db: Kysely<Database>,
  userId: string,
  page: { limit: number; after?: PageCursor | undefined },
): Promise<Page<DecisionEntry>> {
  const { after } = page;
  const rows = await db
    .selectFrom('decision_logs')
    .select(['decision_id', 'decided_at', 'decision', 'cycle_day'])
    .where('user_id', '=', userId)
    .$if(after !== undefined, (q) =>
      q.where(({ eb, refTuple, tuple }) => eb(refTuple('decided_at', 'decision_id'), '<', tuple(after!.time, after!.id))),
    )
    .orderBy('decided_at', 'desc')
    .orderBy('decision_id', 'desc')
    .limit(page.limit + 1) // one more than asked: tells whether a next page exists
    .execute();
  return { entries: rows.slice(0, page.limit).map(toEntry), hasMore: rows.length > page.limit };
}

/** Every decision of a user, newest first (export). */
export async function allDecisions(db: Kysely<Database>, userId: string): Promise<DecisionEntry[]> {
  const rows = await db
    .selectFrom('decision_logs')
    .select(['decision_id', 'decided_at', 'decision', 'cycle_day'])
    .where('user_id', '=', userId)
    .orderBy('decided_at', 'desc')
    .orderBy('decision_id', 'desc')
    .execute();
  return rows.map(toEntry);
}

function toEntry(row: { decision_id: string; decided_at: Date; decision: DecisionEntry['decision']; cycle_day: number }): DecisionEntry {
  return { decisionId: row.decision_id, decidedAt: row.decided_at, decision: row.decision, cycleDay: row.cycle_day };
}
