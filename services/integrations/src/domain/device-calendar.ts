import { isHighStakes } from '@omtobe/rules';
import type { CalendarItem } from './calendar-decision.ts';
import type { DeviceCalendarSettings } from './settings.ts';

/** One event of the phone's calendars as the app uploads it (times absent when the app sent none it could read). */
export interface UploadedDeviceEvent {
  eventId: string;
  title: string;
  start?: Date;
  end?: Date;
  allDay: boolean;
  status: 'confirmed' | 'tentative' | 'cancelled';
}

/** The span the phone listed: every event overlapping it was uploaded. End exclusive. */
export interface UploadWindow {
  start: Date;
  end: Date;
}

export type WindowProblem = 'invalid_window' | 'window_too_long' | 'window_too_far';

export type EventRejection = 'invalid_event_id' | 'duplicate_event_id' | 'title_too_long' | 'invalid_time' | 'end_not_after_start' | 'outside_window';

export type EventIgnored = 'all_day' | 'cancelled' | 'not_high_stakes' | 'ended';

const MAX_ID_LENGTH = 512;
const MAX_TITLE_LENGTH = 1024;
// No control characters (C0, DEL, C1): ids end up in URLs, logs of ids, and the app's own lookups.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The prefix that keeps the phone's ids apart from every provider's on calendar.v1 (the state engine keys events by id). */
export const deviceEventIdPrefix = 'device:';

/** Why the window cannot be taken as the truth, or undefined when it can. */
export function windowProblem(window: Partial<UploadWindow>, now: Date, rules: DeviceCalendarSettings): WindowProblem | undefined {
  const { start, end } = window;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) return 'invalid_window';
  if (end.getTime() - start.getTime() > rules.maxWindowMs) return 'window_too_long';
  if (end.getTime() > now.getTime() + rules.horizonMs) return 'window_too_far';
  return undefined;
}

/** Why the event's id cannot be used, or undefined. An id that can be used counts as listed, whatever else is wrong. */
export function idProblem(eventId: string): 'invalid_event_id' | undefined {
  return eventId.length === 0 || eventId.length > MAX_ID_LENGTH || CONTROL.test(eventId) ? 'invalid_event_id' : undefined;
}

export type DeviceEventCheck = { ok: true; item: CalendarItem } | { ok: false; reason: EventRejection };

/**
 * Checks one uploaded event whose id is usable and turns it into what a calendar provider reports (ingest/'s
 * CalendarItem, the one path every source goes through). All-day events carry no times (they never mark a
 * meeting as running) and cancelled ones are cancelled; their times are not judged. Tentative counts as
 * confirmed: the meeting may well happen.
 */
export function checkDeviceEvent(event: UploadedDeviceEvent, window: UploadWindow): DeviceEventCheck {
  const eventId = deviceEventIdPrefix + event.eventId;
  if (event.title.length > MAX_TITLE_LENGTH) return { ok: false, reason: 'title_too_long' };
  if (event.status === 'cancelled') return { ok: true, item: { eventId, cancelled: true } };
  if (event.allDay) return { ok: true, item: { eventId, cancelled: false, title: event.title } };
  const { start, end } = event;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return { ok: false, reason: 'invalid_time' };
  if (end <= start) return { ok: false, reason: 'end_not_after_start' };
  if (!(start < window.end && end > window.start)) return { ok: false, reason: 'outside_window' };
  return { ok: true, item: { eventId, cancelled: false, title: event.title, startsAt: start, endsAt: end } };
}

/**
 * Why an event that was checked is not kept (it has no row after the upload), in the order the classifier
 * judges: cancelled, all-day, not high-stakes; a high-stakes timed event is then only dropped for having ended
 * (one never kept before is of no interest any more).
 */
export function whyIgnored(event: UploadedDeviceEvent, keywords: readonly string[]): EventIgnored {
  if (event.status === 'cancelled') return 'cancelled';
  if (event.allDay) return 'all_day';
  if (!isHighStakes(event.title, keywords)) return 'not_high_stakes';
  return 'ended';
}
