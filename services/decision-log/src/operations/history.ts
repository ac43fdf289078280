import type { PageCursor } from '../domain/page-token.ts';
import type { DecisionEntry, ReflectionEntry } from '../domain/records.ts';
import type { Page } from '../domain/paging.ts';
import { listDecisions } from '../store/decisions.repo.ts';
import { listReflections } from '../store/reflections.repo.ts';
import type { Deps } from './deps.ts';

/** A validated history request: whose, how many rows, and after which row (none: the first page). */
export interface HistoryQuery {
  userId: string;
  limit: number;
  after: PageCursor | undefined;
}

/** One page and where the next one starts: undefined on the last page. */
export interface HistoryPage<E> {
  entries: E[];
  next: PageCursor | undefined;
}

export async function decisionHistory(deps: Deps, query: HistoryQuery): Promise<HistoryPage<DecisionEntry>> {
  const page = await listDecisions(deps.db, query.userId, query);
  return withNext(page, (e) => ({ time: e.decidedAt, id: e.decisionId }));
}

export async function reflectionHistory(deps: Deps, query: HistoryQuery): Promise<HistoryPage<ReflectionEntry>> {
  const page = await listReflections(deps.db, query.userId, query);
  return withNext(page, (e) => ({ time: e.answeredAt, id: e.reflectionId }));
}

// The next page starts after the last row of this one, and only when older rows exist.
function withNext<E>(page: Page<E>, cursorOf: (entry: E) => PageCursor): HistoryPage<E> {
  const last = page.entries.at(-1);
  return { entries: page.entries, next: page.hasMore && last !== undefined ? cursorOf(last) : undefined };
}
