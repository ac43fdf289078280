import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvents, topics, type OutboxEvent } from '@omtobe/events';
import { CalendarSource, HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { decideCalendarItem, type CalendarItem, type CalendarRules } from '../../domain/calendar-decision.ts';
import type { CalendarSourceName, Db } from '../../store/database.ts';
import { deleteEvent, findEvents, liveEventIds, upsertEvent } from '../../store/calendar-events.repo.ts';

export const calendarSourceToProto: Record<CalendarSourceName, CalendarSource> = { google: CalendarSource.GOOGLE, mock: CalendarSource.MOCK, device: CalendarSource.DEVICE, microsoft: CalendarSource.MICROSOFT };

export interface AppliedItems {
  upserted: number;
  removed: number;
}

type CalendarEvent = OutboxEvent<typeof HighStakesEventUpsertedSchema> | OutboxEvent<typeof HighStakesEventRemovedSchema>;

/**
 * Applies a provider's events to the high-stakes projection in the caller's transaction: keeps and
 * publishes the high-stakes ones that changed, removes (and publishes the removal of) kept ones that
 * no longer qualify, and drops the rest unseen. The events go to the outbox together, in item order.
 */
export async function applyCalendarItems(
  trx: Db,
  target: { userId: string; source: CalendarSourceName },
  items: CalendarItem[],
  now: Date,
  rules: CalendarRules,
): Promise<AppliedItems> {
  const { userId, source } = target;
  const stored = await findEvents(trx, userId, source, [...new Set(items.map((i) => i.eventId))]);
  const result: AppliedItems = { upserted: 0, removed: 0 };
  const events: CalendarEvent[] = [];
  for (const item of items) {
    const held = stored.get(item.eventId);
    const action = decideCalendarItem(item, held && { title: held.title, startsAt: held.starts_at, endsAt: held.ends_at }, now, rules);
    if (action.kind === 'upsert') {
      const row = { user_id: userId, source, event_id: item.eventId, title: action.title, starts_at: action.startsAt, ends_at: action.endsAt, updated_at: now };
      await upsertEvent(trx, row);
      stored.set(item.eventId, row);
      events.push({
        topic: topics.calendar,
        key: userId,
        schema: HighStakesEventUpsertedSchema,
        message: create(HighStakesEventUpsertedSchema, {
          userId,
          eventId: item.eventId,
          title: action.title,
          startsAt: timestampFromDate(action.startsAt),
          endsAt: timestampFromDate(action.endsAt),
          source: calendarSourceToProto[source],
        }),
        occurredAt: now,
      });
      result.upserted += 1;
    } else if (action.kind === 'remove') {
      await deleteEvent(trx, userId, source, item.eventId);
      stored.delete(item.eventId);
      events.push(removal(userId, item.eventId, now));
      result.removed += 1;
    }
  }
  await enqueueEvents(trx, events);
  return result;
}

function removal(userId: string, eventId: string, now: Date): CalendarEvent {
  return { topic: topics.calendar, key: userId, schema: HighStakesEventRemovedSchema, message: create(HighStakesEventRemovedSchema, { userId, eventId }), occurredAt: now };
}

/** Publishes HighStakesEventRemoved for events of one user, in the caller's transaction, in their order. */
export async function publishRemovals(trx: Db, userId: string, eventIds: readonly string[], now: Date): Promise<void> {
  await enqueueEvents(trx, eventIds.map((eventId) => removal(userId, eventId, now)));
}

/**
 * For a provider's full listing, which is the whole truth: removes (and publishes the removal of) the user's
 * stored events of that source that have not ended and that the listing no longer shows. `spare` keeps
 * events the listing never covers (the mock's injected events). Returns how many were removed.
 */
export async function removeUnlisted(
  trx: Db,
  target: { userId: string; source: CalendarSourceName },
  listed: ReadonlySet<string>,
  now: Date,
  spare: (eventId: string) => boolean = () => false,
): Promise<number> {
  const { userId, source } = target;
  const unlisted = (await liveEventIds(trx, userId, source, now)).filter((eventId) => !listed.has(eventId) && !spare(eventId));
  for (const eventId of unlisted) await deleteEvent(trx, userId, source, eventId);
  await publishRemovals(trx, userId, unlisted, now);
  return unlisted.length;
}

/**
 * For a listing that is the whole truth for a window only (the phone's calendars, uploaded a window at a time):
 * removes (and publishes the removal of) the user's stored events of that source that overlap the window, have not
 * ended and that the listing no longer shows. Events outside the window are not its business. Returns how many.
 */
export async function removeUnlistedInWindow(
  trx: Db,
  target: { userId: string; source: CalendarSourceName },
  listed: ReadonlySet<string>,
  window: { start: Date; end: Date },
  now: Date,
): Promise<number> {
  const { userId, source } = target;
  const unlisted = (await liveEventIds(trx, userId, source, now, window)).filter((eventId) => !listed.has(eventId));
  for (const eventId of unlisted) await deleteEvent(trx, userId, source, eventId);
  await publishRemovals(trx, userId, unlisted, now);
  return unlisted.length;
}
