import type { Insertable, Kysely, Selectable } from 'kysely';
import type { PageCursor } from '../domain/page-token.ts';
import type { Page } from '../domain/paging.ts';
import type { Database, Db } from './database.ts';

type LogTable = 'decision_logs' | 'reflection_logs';
type Column<T extends LogTable> = keyof Database[T] & string;

// What the two logs (decisions, reflections) share: store a row once by its id, read a user's history by keyset,
// purge what is past retention. They differ only in names.

/** One log: its table, the keyset (time, id) a history pages by, and how a row becomes an entry. */
export interface HistoryLog<T extends LogTable, E> {
  table: T;
  time: Column<T>;
  id: Column<T>;
  columns: ReadonlyArray<Column<T>>;
  toEntry(row: Selectable<Database[T]>): E;
}

// The queries are written once over names that HistoryLog has already checked against the tables; `toEntry`
// gives the rows their types back.
type Untyped = Kysely<Record<string, Record<string, Date | string>>>;
type Names = { table: string; time: string; id: string; columns: readonly string[] };

/**
 * Stores a row once: true when this call added it, false when its id was there already. The conflict guard is
 * the second line of defence behind the consumer's inbox — it catches the same decision or reflection arriving
 * under a new event id (a producer retry that re-enqueued it).
 */
export async function insertOnce<T extends LogTable, E>(db: Db, log: HistoryLog<T, E>, row: Insertable<Database[T]>): Promise<boolean> {
  const { table, id }: Names = log;
  const inserted = await (db as unknown as Untyped)
    .insertInto(table)
    .values(row as Record<string, Date | string>)
    .onConflict((oc) => oc.column(id).doNothing())
    .returning(id)
    .executeTakeFirst();
  return inserted !== undefined;
}

function newestFirst(db: Db, log: Names, userId: string) {
  return (db as unknown as Untyped)
    .selectFrom(log.table)
    .select(log.columns)
    .where('user_id', '=', userId)
    .orderBy(log.time, 'desc')
    .orderBy(log.id, 'desc');
}

/** One page of a user's history, newest first, strictly after `after` in that order (keyset: one index seek). */
export async function historyPage<T extends LogTable, E>(
  db: Db,
  log: HistoryLog<T, E>,
  userId: string,
  page: { limit: number; after?: PageCursor | undefined },
): Promise<Page<E>> {
  const { after } = page;
  const { time, id }: Names = log;
  const rows = await newestFirst(db, log, userId)
    .$if(after !== undefined, (q) => q.where(({ eb, refTuple, tuple }) => eb(refTuple(time, id), '<', tuple(after!.time, after!.id))))
    .limit(page.limit + 1) // one more than asked: tells whether a next page exists
    .execute();
  return { entries: rows.slice(0, page.limit).map((row) => log.toEntry(row as Selectable<Database[T]>)), hasMore: rows.length > page.limit };
}

/** A user's whole history, newest first (export). */
export async function wholeHistory<T extends LogTable, E>(db: Db, log: HistoryLog<T, E>, userId: string): Promise<E[]> {
  const rows = await newestFirst(db, log, userId).execute();
  return rows.map((row) => log.toEntry(row as Selectable<Database[T]>));
}

/**
 * Deletes the rows recorded before `cutoff`, `batchSize` at a time, so one purge of a large backlog never holds
 * long locks or one huge transaction. Returns how many went.
 */
export async function deleteOlderThan<T extends LogTable, E>(db: Db, log: HistoryLog<T, E>, cutoff: Date, batchSize: number): Promise<number> {
  const { table, time, id }: Names = log;
  let total = 0;
  for (;;) {
    const result = await (db as unknown as Untyped)
      .deleteFrom(table)
      .where(id, 'in', (eb) => eb.selectFrom(table).select(id).where(time, '<', cutoff).limit(batchSize))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
