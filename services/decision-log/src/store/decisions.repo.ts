import type { PageCursor } from '../domain/page-token.ts';
import type { Page } from '../domain/paging.ts';
import type { DecisionEntry, DecisionRecord } from '../domain/records.ts';
import type { Db } from './database.ts';
import { historyPage, insertOnce, wholeHistory, type HistoryLog } from './logs.ts';

/** decision_logs as the shared log queries (logs.ts) see it. */
export const decisionLog: HistoryLog<'decision_logs', DecisionEntry> = {
  table: 'decision_logs',
  time: 'decided_at',
  id: 'decision_id',
  columns: ['decision_id', 'decided_at', 'decision', 'cycle_day'],
  toEntry: (row) => ({ decisionId: row.decision_id, decidedAt: row.decided_at, decision: row.decision, cycleDay: row.cycle_day }),
};

/** Stores a decision once: true when this call added the row (see insertOnce for why the guard). */
export function insertDecision(db: Db, record: DecisionRecord): Promise<boolean> {
  return insertOnce(db, decisionLog, {
    decision_id: record.decisionId,
    user_id: record.userId,
    decided_at: record.decidedAt,
    decision: record.decision,
    cycle_day: record.cycleDay,
  });
}

/** One page of a user's decisions, newest first, strictly after `after` in that order. */
export function listDecisions(db: Db, userId: string, page: { limit: number; after?: PageCursor | undefined }): Promise<Page<DecisionEntry>> {
  return historyPage(db, decisionLog, userId, page);
}

/** Every decision of a user, newest first (export). */
export function allDecisions(db: Db, userId: string): Promise<DecisionEntry[]> {
  return wholeHistory(db, decisionLog, userId);
}
