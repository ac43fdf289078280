import type { CalendarItem } from '../../domain/calendar-decision.ts';
import { zonedTime } from '../../domain/zoned-time.ts';

/** Graph's dateTimeTimeZone: a wall-clock date-time with no offset (`2026-06-10T14:00:00.0000000`) and the zone it is in. */
export interface GraphDateTime {
  dateTime: string;
  timeZone: string;
}

/** An event of `calendarView/delta` as Graph sends it: a full event, or an `@removed` stub with only its id. */
export interface GraphEvent {
  id: string;
  subject?: string | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  start?: GraphDateTime | null;
  end?: GraphDateTime | null;
  '@removed'?: { reason?: string };
}

const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/**
 * The instant of a Graph date-time. We ask for UTC (`Prefer: outlook.timezone="UTC"`), so `timeZone` is `UTC` and
 * the wall clock is the instant. Should Graph answer in another zone anyway, an IANA zone is converted here; a
 * Windows zone name (`Pacific Standard Time`) is not guessed at: the time is unknown and the event is dropped.
 */
export function graphInstant(value: GraphDateTime | null | undefined): Date | undefined {
  if (!value) return undefined;
  const m = WALL_CLOCK.exec(value.dateTime);
  if (!m) return undefined;
  const [, date, hh, mm, ss, fraction] = m;
  if (value.timeZone === 'UTC' || value.timeZone === 'Etc/UTC') {
    const ms = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
    return new Date(Date.parse(`${date}T${hh}:${mm}:${ss}Z`) + ms);
  }
  try {
    return new Date(zonedTime(date!, Number(hh), Number(mm), value.timeZone).getTime() + Number(ss) * 1000);
  } catch {
    return undefined;
  }
}

/** One delta item as the classifier's input: `@removed` and cancelled meetings are withdrawals, all-day events have no times. */
export function calendarItemOf(event: GraphEvent): CalendarItem {
  if (event['@removed'] || event.isCancelled) return { eventId: event.id, cancelled: true };
  const item: CalendarItem = { eventId: event.id, cancelled: false };
  if (typeof event.subject === 'string') item.title = event.subject;
  if (event.isAllDay) return item;
  const startsAt = graphInstant(event.start);
  const endsAt = graphInstant(event.end);
  if (startsAt) item.startsAt = startsAt;
  if (endsAt) item.endsAt = endsAt;
  return item;
}
