import { isHighStakes } from '@omtobe/rules';

/** One event as a calendar provider reports it; times are absent for all-day events. */
export interface CalendarItem {
  eventId: string;
  cancelled: boolean;
  title?: string;
  startsAt?: Date;
  endsAt?: Date;
}

/** What this service already holds (and has published) for the event. */
export interface StoredEvent {
  title: string;
  startsAt: Date;
  endsAt: Date;
}

export type CalendarAction =
  | { kind: 'upsert'; title: string; startsAt: Date; endsAt: Date }
  | { kind: 'remove' }
  | { kind: 'none' };

export interface CalendarRules {
  keywords: readonly string[];
  /** Events starting further ahead than this are not of interest yet. */
  windowMs: number;
}

/**
 * Decides what one provider event means for the high-stakes projection. Only high-stakes, timed events
 * inside the window are kept; anything else that was kept before is removed, and anything else that was
 * never kept is dropped without a trace (its title is never stored). All-day events do not mark a
 * meeting "running" and are ignored.
 *
 * An event that is already over is of no interest when it was never kept. One that was kept is another
 * matter: the state engine still holds its old times, so a meeting that ended early (10:00–12:00 cut to
 * 10:45) or moved into the past (13:00 to 08:00) would go on braking until its old end. Its new times are
 * published, whatever they are; the retention purge removes it later like any ended event.
 */
export function decideCalendarItem(item: CalendarItem, stored: StoredEvent | undefined, now: Date, rules: CalendarRules): CalendarAction {
  const drop: CalendarAction = stored ? { kind: 'remove' } : { kind: 'none' };
  if (item.cancelled) return drop;
  const { title, startsAt, endsAt } = item;
  if (title === undefined || !startsAt || !endsAt || !(endsAt > startsAt)) return drop;
  if (!isHighStakes(title, rules.keywords)) return drop;
  const unchanged =
    stored !== undefined && stored.title === title && stored.startsAt.getTime() === startsAt.getTime() && stored.endsAt.getTime() === endsAt.getTime();
  const keep: CalendarAction = unchanged ? { kind: 'none' } : { kind: 'upsert', title, startsAt, endsAt };
  if (endsAt <= now) return stored ? keep : { kind: 'none' };
  if (startsAt.getTime() >= now.getTime() + rules.windowMs) return drop;
  return keep;
}
