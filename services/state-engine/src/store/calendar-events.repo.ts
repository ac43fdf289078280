// The user's high-stakes calendar events (calendar.v1), as the domain sees them: rows stay in here.
import type { HighStakesEvent } from '../domain/index.ts';
import type { Db } from './database.ts';

/** A stored event in the domain's shape; the timestamps may come back as JSON text (user-snapshot.repo.ts). */
export function eventOf(row: { event_id: string; title: string; starts_at: Date | string; ends_at: Date | string }): HighStakesEvent {
  return { id: row.event_id, title: row.title, startsAt: new Date(row.starts_at), endsAt: new Date(row.ends_at) };
}

export async function upsertEvent(db: Db, userId: string, e: HighStakesEvent): Promise<void> {
  const changes = { title: e.title, starts_at: e.startsAt, ends_at: e.endsAt };
  await db
    .insertInto('high_stakes_events')
    .values({ user_id: userId, event_id: e.id, ...changes })
    .onConflict((oc) => oc.columns(['user_id', 'event_id']).doUpdateSet(changes))
    .execute();
}

export async function removeEvent(db: Db, userId: string, eventId: string): Promise<void> {
  await db.deleteFrom('high_stakes_events').where('user_id', '=', userId).where('event_id', '=', eventId).execute();
}

export async function findEvent(db: Db, userId: string, eventId: string): Promise<HighStakesEvent | undefined> {
  const row = await db.selectFrom('high_stakes_events').selectAll().where('user_id', '=', userId).where('event_id', '=', eventId).executeTakeFirst();
  return row && eventOf(row);
}

/** Ids of the user's events of one meeting (domain/meetings.ts: the same start and end), whatever their source. */
export async function eventIdsOfMeeting(db: Db, userId: string, startsAt: Date, endsAt: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('high_stakes_events')
    .select('event_id')
    .where('user_id', '=', userId)
    .where('starts_at', '=', startsAt)
    .where('ends_at', '=', endsAt)
    .orderBy('event_id')
    .execute();
  return rows.map((r) => r.event_id);
}

/** Retention: events that ended before `before` are of no further use. */
export async function purgeEndedEvents(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('high_stakes_events').where('ends_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
