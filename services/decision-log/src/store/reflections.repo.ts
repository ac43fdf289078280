import type { Kysely } from 'kysely';
import type { PageCursor } from '../domain/page-token.ts';
import type { Page } from '../domain/paging.ts';
import type { ReflectionEntry, ReflectionRecord } from '../domain/records.ts';
import type { Database } from './database.ts';

/** Stores a reflection once: true when this call added the row (see insertDecision for why the guard). */
export async function insertReflection(db: Kysely<Database>, record: ReflectionRecord): Promise<boolean> {
  const inserted = await db
    .insertInto('reflection_logs')
    .values({
      reflection_id: record.reflectionId,
      user_id: record.userId,
      answered_at: record.answeredAt,
      response: record.response,
      cycle_start: record.cycleStart,
    })
    .onConflict((oc) => oc.column('reflection_id').doNothing())
    .returning('reflection_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** One page of a user's reflections, newest first, strictly after `after` in that order. */
export async function listReflections(
  db: Kysely<Database>,
  userId: string,
  page: { limit: number; after?: PageCursor | undefined },
): Promise<Page<ReflectionEntry>> {
  const { after } = page;
  const rows = await db
    .selectFrom('reflection_logs')
    .select(['reflection_id', 'answered_at', 'response', 'cycle_start'])
    .where('user_id', '=', userId)
    .$if(after !== undefined, (q) =>
      q.where(({ eb, refTuple, tuple }) => eb(refTuple('answered_at', 'reflection_id'), '<', tuple(after!.time, after!.id))),
    )
    .orderBy('answered_at', 'desc')
    .orderBy('reflection_id', 'desc')
    .limit(page.limit + 1) // one more than asked: tells whether a next page exists
    .execute();
  return { entries: rows.slice(0, page.limit).map(toEntry), hasMore: rows.length > page.limit };
}

/** Every reflection of a user, newest first (export). */
export async function allReflections(db: Kysely<Database>, userId: string): Promise<ReflectionEntry[]> {
  const rows = await db
    .selectFrom('reflection_logs')
    .select(['reflection_id', 'answered_at', 'response', 'cycle_start'])
    .where('user_id', '=', userId)
    .orderBy('answered_at', 'desc')
    .orderBy('reflection_id', 'desc')
    .execute();
  return rows.map(toEntry);
}

function toEntry(row: { reflection_id: string; answered_at: Date; response: ReflectionEntry['response']; cycle_start: Date }): ReflectionEntry {
  return { reflectionId: row.reflection_id, answeredAt: row.answered_at, response: row.response, cycleStart: row.cycle_start };
}
