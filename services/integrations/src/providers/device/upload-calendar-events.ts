import { InvalidArgumentError } from '@omtobe/platform';
import { requireKnownUser } from '../../operations/connections/known-user.ts';
import type { CalendarItem } from '../../domain/calendar-decision.ts';
import {
  checkDeviceEvent,
  deviceEventIdPrefix,
  idProblem,
  whyIgnored,
  windowProblem,
  type EventIgnored,
  type EventRejection,
  type UploadedDeviceEvent,
  type UploadWindow,
} from '../../domain/device-calendar.ts';
import { applyCalendarItems, removeUnlistedInWindow } from '../../operations/ingest/calendar-items.ts';
import { findEvents } from '../../store/calendar-events.repo.ts';
import type { Deps } from '../../operations/deps.ts';

export type EventAnswer =
  | { eventId: string; outcome: 'stored' }
  | { eventId: string; outcome: 'ignored'; reason: EventIgnored }
  | { eventId: string; outcome: 'rejected'; reason: EventRejection };

export interface UploadAnswer {
  results: EventAnswer[];
  /** Kept events of the window the upload no longer listed, now withdrawn. */
  withdrawn: number;
}

const windowMessages = {
  invalid_window: 'window_start and window_end must be times, the end after the start',
  window_too_long: 'the window is longer than one upload may cover',
  window_too_far: 'the window ends further ahead than events are of interest',
} as const;

/**
 * Takes the phone's calendars for one window (EventKit, Android CalendarContract: every event overlapping it) as
 * the whole truth for that window. Each event is answered, in upload order: `stored` (high-stakes and timed: kept,
 * and published on calendar.v1 when new or changed), `ignored` (all-day, cancelled, not high-stakes, or ended
 * without ever being kept: nothing of it is stored, its title never leaves this function, and one kept before is
 * withdrawn), or `rejected` (a bad id, a second event with the same id, bad times, outside the window: nothing
 * changes for it). A kept phone event overlapping the window that the upload does not list is withdrawn
 * (HighStakesEventRemoved), as a Google full sync removes what Google no longer lists.
 *
 * The classification is ingest/'s, shared with every provider (`applyCalendarItems`: the same classifier, the same
 * projection, the same calendar.v1 events), under ids `device:<the phone's id>`. Everything is written in one
 * transaction, for a known user only (operations/connections/known-user.ts), like the HealthKit upload.
 */
export async function uploadCalendarEvents(deps: Deps, userId: string, window: Partial<UploadWindow>, events: UploadedDeviceEvent[]): Promise<UploadAnswer> {
  const rules = deps.settings.deviceCalendar;
  if (events.length > rules.maxBatch) {
    throw new InvalidArgumentError(`at most ${rules.maxBatch} events per upload`, { reason: 'batch_too_large' });
  }
  const now = deps.clock.now();
  const problem = windowProblem(window, now, rules);
  if (problem) throw new InvalidArgumentError(windowMessages[problem], { reason: problem });
  const span = window as UploadWindow;

  // Every usable id is listed, even when the event itself is rejected: a rejected event changes nothing.
  const listed = new Set<string>();
  const items: CalendarItem[] = [];
  const answers: Array<EventAnswer | { eventId: string; pending: { id: string; event: UploadedDeviceEvent } }> = [];
  for (const event of events) {
    const badId = idProblem(event.eventId);
    if (badId) {
      answers.push({ eventId: event.eventId, outcome: 'rejected', reason: badId });
      continue;
    }
    const id = deviceEventIdPrefix + event.eventId;
    if (listed.has(id)) {
      answers.push({ eventId: event.eventId, outcome: 'rejected', reason: 'duplicate_event_id' });
      continue;
    }
    listed.add(id);
    const check = checkDeviceEvent(event, span);
    if (!check.ok) {
      answers.push({ eventId: event.eventId, outcome: 'rejected', reason: check.reason });
      continue;
    }
    items.push(check.item);
    answers.push({ eventId: event.eventId, pending: { id, event } });
  }

  const target = { userId, source: 'device' as const };
  const calendarRules = { keywords: deps.settings.highStakesKeywords, windowMs: rules.horizonMs };
  const { kept, withdrawn } = await deps.db.transaction().execute(async (trx) => {
    await requireKnownUser(trx, userId);
    await applyCalendarItems(trx, target, items, now, calendarRules);
    const removed = await removeUnlistedInWindow(trx, target, listed, span, now);
    const stored = await findEvents(trx, userId, 'device', items.map((i) => i.eventId));
    return { kept: new Set(stored.keys()), withdrawn: removed };
  });

  const results = answers.map((a): EventAnswer => {
    if (!('pending' in a)) return a;
    if (kept.has(a.pending.id)) return { eventId: a.eventId, outcome: 'stored' };
    return { eventId: a.eventId, outcome: 'ignored', reason: whyIgnored(a.pending.event, deps.settings.highStakesKeywords) };
  });
  return { results, withdrawn };
}
