/**
 * One meeting, whatever reports it. A person with two calendars that both hold a meeting (Google and the phone,
 * whose calendar app syncs the same account; Microsoft 365 and the phone; an invitation accepted in two
 * calendars) must be braked once for it, and a Proceed on it must hold for every copy.
 *
 * The rule: two high-stakes events of one user that start at the same instant and end at the same instant are
 * the same meeting — whatever their sources, ids or titles. calendar.v1 already carries everything it needs, so
 * integrations publishes each source's events as they are and the engine neither knows nor cares where one came
 * from. Titles are left out on purpose: copies of one meeting may be titled differently ("Board Review" and
 * "FW: Board Review"), and two distinct high-stakes meetings at exactly the same time are one moment for the
 * brake anyway (a person sits in one of them; the question is about the moment).
 *
 * A meeting is represented by one of its events, chosen so that the choice never moves while that event is
 * there: the one the user chose Proceed for (so the meeting stays locked), else the one whose brake is shown,
 * else the pending one, else the one a reading was requested for, else the smallest id. A copy arriving later
 * therefore changes nothing; only when the shown copy itself goes away does the brake move to a remaining copy
 * (withdrawn, then raised for it).
 */

interface Timed {
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** The events already answered for or shown, in the order they represent their meeting. */
export interface MeetingPreferences {
  readonly lockedEventIds: ReadonlySet<string>;
  readonly shownEventId?: string | undefined;
  readonly pendingEventId?: string | undefined;
  readonly readingRequestedEventIds?: ReadonlySet<string>;
}

/** The meeting an event belongs to: its start and end instants. */
export function meetingKey(event: Pick<Timed, 'startsAt' | 'endsAt'>): string {
  return `${event.startsAt.getTime()}/${event.endsAt.getTime()}`;
}

export function sameMeeting(a: Pick<Timed, 'startsAt' | 'endsAt'>, b: Pick<Timed, 'startsAt' | 'endsAt'>): boolean {
  return a.startsAt.getTime() === b.startsAt.getTime() && a.endsAt.getTime() === b.endsAt.getTime();
}

function rank(e: Timed, p: MeetingPreferences): number[] {
  return [
    p.lockedEventIds.has(e.id) ? 0 : 1,
    e.id === p.shownEventId ? 0 : 1,
    e.id === p.pendingEventId ? 0 : 1,
    p.readingRequestedEventIds?.has(e.id) ? 0 : 1,
  ];
}

function better(a: Timed, b: Timed, p: MeetingPreferences): boolean {
  const ra = rank(a, p);
  const rb = rank(b, p);
  for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
  return a.id < b.id;
}

/** One event per meeting (its representative), in the order the events came. */
export function oneEventPerMeeting<E extends Timed>(events: readonly E[], preferences: MeetingPreferences): E[] {
  const chosen = new Map<string, E>();
  for (const e of events) {
    const key = meetingKey(e);
    const held = chosen.get(key);
    if (held === undefined || better(e, held, preferences)) chosen.set(key, e);
  }
  const keep = new Set(chosen.values());
  return events.filter((e) => keep.has(e));
}
