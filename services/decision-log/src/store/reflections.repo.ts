import type { PageCursor } from '../domain/page-token.ts';
import type { Page } from '../domain/paging.ts';
import type { ReflectionEntry, ReflectionRecord } from '../domain/records.ts';
import type { Db } from './database.ts';
import { historyPage, insertOnce, wholeHistory, type HistoryLog } from './logs.ts';

/** reflection_logs as the shared log queries (logs.ts) see it. */
export const reflectionLog: HistoryLog<'reflection_logs', ReflectionEntry> = {
  table: 'reflection_logs',
  time: 'answered_at',
  id: 'reflection_id',
  columns: ['reflection_id', 'answered_at', 'response', 'cycle_start'],
  toEntry: (row) => ({ reflectionId: row.reflection_id, answeredAt: row.answered_at, response: row.response, cycleStart: row.cycle_start }),
};

/** Stores a reflection once: true when this call added the row (see insertOnce for why the guard). */
export function insertReflection(db: Db, record: ReflectionRecord): Promise<boolean> {
  return insertOnce(db, reflectionLog, {
    reflection_id: record.reflectionId,
    user_id: record.userId,
    answered_at: record.answeredAt,
    response: record.response,
    cycle_start: record.cycleStart,
  });
}

/** One page of a user's reflections, newest first, strictly after `after` in that order. */
export function listReflections(db: Db, userId: string, page: { limit: number; after?: PageCursor | undefined }): Promise<Page<ReflectionEntry>> {
  return historyPage(db, reflectionLog, userId, page);
}

/** Every reflection of a user, newest first (export). */
export function allReflections(db: Db, userId: string): Promise<ReflectionEntry[]> {
  return wholeHistory(db, reflectionLog, userId);
}
