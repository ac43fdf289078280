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
 * meeting "running" and are ignored. Events already over are left to the retention purge.
 */
export function decideCalendarItem(item: CalendarItem, stored: StoredEvent | undefined, now: Date, rules: CalendarRules): CalendarAction {
  const drop: CalendarAction = stored ? { kind: 'remove' } : { kind: 'none' };
  if (item.cancelled) return drop;
  const { title, startsAt, endsAt } = item;
  if (title === undefined || !startsAt || !endsAt || !(endsAt > startsAt)) return drop;
  if (!isHighStakes(title, rules.keywords)) return drop;
  if (endsAt <= now) return { kind: 'none' };
  if (startsAt.getTime() >= now.getTime() + rules.windowMs) return drop;
  const unchanged =
    stored && stored.title === title && stored.startsAt.getTime() === startsAt.getTime() && stored.endsAt.getTime() === endsAt.getTime();
  return unchanged ? { kind: 'none' } : { kind: 'upsert', title, startsAt, endsAt };
}
