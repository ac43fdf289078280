import type { Selectable } from 'kysely';
import type { HighStakesEventsTable } from './database.ts';
import type { Db } from './db.ts';

export type HighStakesEventRow = Selectable<HighStakesEventsTable>;

export async function upsertEvent(db: Db, e: HighStakesEventRow): Promise<void> {
  const { user_id: _user, event_id: _event, ...rest } = e;
  await db
    .insertInto('high_stakes_events')
    .values(e)
    .onConflict((oc) => oc.columns(['user_id', 'event_id']).doUpdateSet(rest))
    .execute();
}

export async function removeEvent(db: Db, userId: string, eventId: string): Promise<void> {
  await db.deleteFrom('high_stakes_events').where('user_id', '=', userId).where('event_id', '=', eventId).execute();
}

export function findEvent(db: Db, userId: string, eventId: string): Promise<HighStakesEventRow | undefined> {
  return db.selectFrom('high_stakes_events').selectAll().where('user_id', '=', userId).where('event_id', '=', eventId).executeTakeFirst();
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
