import type { Selectable } from 'kysely';
import type { CalendarEventsTable, CalendarSourceName, Db } from './database.ts';

export type EventRow = Selectable<CalendarEventsTable>;

/** The stored events among `eventIds`, by id. */
export async function findEvents(db: Db, userId: string, source: CalendarSourceName, eventIds: string[]): Promise<Map<string, EventRow>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('calendar_events')
    .selectAll()
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('event_id', 'in', eventIds)
    .execute();
  return new Map(rows.map((r) => [r.event_id, r]));
}

export async function upsertEvent(db: Db, row: EventRow): Promise<void> {
  const { user_id: _user, source: _source, event_id: _event, ...rest } = row;
  await db
    .insertInto('calendar_events')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'source', 'event_id']).doUpdateSet(rest))
    .execute();
}

export async function deleteEvent(db: Db, userId: string, source: CalendarSourceName, eventId: string): Promise<void> {
  await db.deleteFrom('calendar_events').where('user_id', '=', userId).where('source', '=', source).where('event_id', '=', eventId).execute();
}

/**
 * Ids of stored events of a source that have not ended, in start order: a full sync removes those the provider no
 * longer lists. With `window`, only those overlapping it (start inclusive, end exclusive): a listing that is the whole
 * truth for that window only.
 */
export async function liveEventIds(db: Db, userId: string, source: CalendarSourceName, now: Date, window?: { start: Date; end: Date }): Promise<string[]> {
  let query = db.selectFrom('calendar_events').select('event_id').where('user_id', '=', userId).where('source', '=', source).where('ends_at', '>', now);
  if (window) query = query.where('ends_at', '>', window.start).where('starts_at', '<', window.end);
  const rows = await query.orderBy('starts_at').orderBy('event_id').execute();
  return rows.map((r) => r.event_id);
}

export function deleteEventsFrom(db: Db, userId: string, source: CalendarSourceName): Promise<Array<{ event_id: string }>> {
  return db.deleteFrom('calendar_events').where('user_id', '=', userId).where('source', '=', source).returning('event_id').execute();
}

export function eventsOf(db: Db, userId: string): Promise<EventRow[]> {
  return db.selectFrom('calendar_events').selectAll().where('user_id', '=', userId).orderBy('starts_at').orderBy('event_id').execute();
}

/** Retention: events that ended before `before` are of no further use. */
export async function purgeEndedEvents(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('calendar_events').where('ends_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
