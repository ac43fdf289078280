import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@omtobe/platform';
import type { CalendarItem } from '../../domain/calendar-decision.ts';
import { isHighStakes } from '@omtobe/rules';
import type { MockSettings } from '../../domain/settings.ts';
import { addDays, localDate, zonedTime } from '../../domain/zoned-time.ts';
import { applyCalendarItems, removeUnlisted } from '../../operations/ingest/calendar-items.ts';
import type { Db } from '../../store/database.ts';
import { findKnownUser, knownUsersPage, type KnownUser } from '../../store/users.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import { mockOf } from './mock-hrv.ts';

/**
 * A working day as the mock calendar fills it, in the user's local time. The stand-up is ordinary and
 * goes through the classifier like any event, so it is dropped unseen: the mock exercises the real path.
 */
const day = [
  { hour: 9, minute: 30, minutes: 15, title: 'Team stand-up', slot: 'standup' },
  { hour: 11, minute: 0, minutes: 60, title: 'Board Review', slot: 'board' },
  { hour: 15, minute: 0, minutes: 45, title: 'Vendor negotiation', slot: 'negotiation' },
] as const;

export function mockCalendarItems(user: Pick<KnownUser, 'user_id' | 'timezone'>, now: Date, days: number): CalendarItem[] {
  const today = localDate(now, user.timezone);
  return Array.from({ length: days }, (_, i) => addDays(today, i)).flatMap((date) =>
    day.map((m) => {
      const startsAt = zonedTime(date, m.hour, m.minute, user.timezone);
      return { eventId: `mock-${date}-${m.slot}`, cancelled: false, title: m.title, startsAt, endsAt: new Date(startsAt.getTime() + m.minutes * 60_000) };
    }),
  );
}

/** Injected events are not part of the daily listing: it must never remove them. */
const injectedPrefix = 'mock-inject-';

/**
 * Brings a user's mock calendar in line with their days, in their current zone; returns how many events
 * were published. The listing is the mock calendar's whole truth, as a full Google listing is: after a zone
 * change the same meeting moves (it keeps its id, so the engine hears its new times even when they are
 * already past) and a day that is no longer in the listing loses its meetings.
 */
export async function fillMockCalendar(trx: Db, deps: Pick<Deps, 'settings'>, settings: MockSettings, user: KnownUser, now: Date): Promise<number> {
  const rules = { keywords: deps.settings.highStakesKeywords, windowMs: settings.calendarDays * 24 * 3_600_000 };
  const target = { userId: user.user_id, source: 'mock' } as const;
  const items = mockCalendarItems(user, now, settings.calendarDays);
  const applied = await applyCalendarItems(trx, target, items, now, rules);
  const removed = await removeUnlisted(trx, target, new Set(items.map((i) => i.eventId)), now, (id) => id.startsWith(injectedPrefix));
  return applied.upserted + applied.removed + removed;
}

/**
 * Keeps the next days of every known user's mock calendar filled (unchanged events publish nothing).
 * Stops between users once `signal` aborts (shutdown).
 */
export async function tickMockCalendar(deps: Deps, signal?: AbortSignal): Promise<number> {
  const settings = mockOf(deps);
  const now = deps.clock.now();
  let written = 0;
  for (let after = '', page: KnownUser[]; !signal?.aborted && (page = await knownUsersPage(deps.db, after, 200)).length > 0; after = page[page.length - 1]!.user_id) {
    for (const user of page) {
      if (signal?.aborted) break;
      written += await deps.db.transaction().execute((trx) => fillMockCalendar(trx, deps, settings, user, now));
    }
  }
  return written;
}

/** Development control: a high-stakes event starting now. The title must pass the classifier, as any event's must. */
export async function injectHighStakesEvent(deps: Deps, userId: string, title: string, durationMs: number): Promise<{ eventId: string; title: string; startsAt: Date; endsAt: Date }> {
  mockOf(deps);
  if (!isHighStakes(title, deps.settings.highStakesKeywords)) {
    throw new InvalidArgumentError('the title is not high-stakes (keywords or a leading "!")', { reason: 'not_high_stakes' });
  }
  const now = deps.clock.now();
  const event = { eventId: `${injectedPrefix}${randomUUID()}`, title, startsAt: now, endsAt: new Date(now.getTime() + durationMs) };
  await deps.db.transaction().execute(async (trx) => {
    if (!(await findKnownUser(trx, userId))) throw new NotFoundError('unknown user: register first', { reason: 'unknown_user' });
    await applyCalendarItems(trx, { userId, source: 'mock' }, [{ ...event, cancelled: false }], now, {
      keywords: deps.settings.highStakesKeywords,
      windowMs: durationMs + 60_000,
    });
  });
  return event;
}
