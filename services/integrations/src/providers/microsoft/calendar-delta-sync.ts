import { applyListing, changesOrWindow, type CalendarSyncResult } from '../../operations/ingest/calendar-sync.ts';
import { findConnection } from '../../store/connections.repo.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import { DeltaGoneError, type GraphSession } from './graph-api.ts';
import { calendarItemOf } from './graph-event.ts';
import { ensureGraphSubscription } from './graph-subscriptions.ts';
import { MicrosoftGrantError } from './microsoft-auth.ts';
import { microsoftProvider, microsoftSource } from './microsoft.ts';
import type { MicrosoftDeps } from './microsoft-deps.ts';
import { withGraphSession } from './microsoft-tokens.ts';

/**
 * Brings the user's high-stakes events up to date with their Microsoft 365 calendar through `calendarView/delta`.
 * A round follows `@odata.nextLink` page by page to the `@odata.deltaLink`, which is kept whole (it is opaque and
 * carries the window) in `connections.sync_cursor` and is where the next round starts: only changes come back, a
 * deleted event (or one moved out of the window) as an `@removed` stub. A new calendar view (window now … now +
 * window, no delta link) is read when there is no link, when Graph answers **410 Gone** for it (sync state lost),
 * or when the last full round is older than the full-sync interval (the window slides). Every event goes through
 * ingest/ like Google's: the same classifier, the same projection, the same `calendar.v1` events. Then makes sure a
 * change-notification subscription is open (a failure there does not fail the sync).
 */
export async function syncMicrosoftCalendar(deps: MicrosoftDeps, userId: string): Promise<CalendarSyncResult> {
  const { settings } = deps.microsoft;
  const conn = await findConnection(deps.db, userId, microsoftProvider);
  if (!conn) throw new ConnectionGoneError();
  const now = deps.clock.now();
  return withGraphSession(deps, userId, async (session) => {
    const result = await changesOrWindow(conn, now, settings.fullSyncIntervalMs, {
      changes: (link) => readRound(deps, userId, session, { link }),
      window: () => readRound(deps, userId, session, { start: now, end: new Date(now.getTime() + settings.windowMs) }),
      cursorGone: (error) => error instanceof DeltaGoneError,
      onCursorGone: () => deps.logger.info({ user_id: userId, provider: 'microsoft' }, 'delta link gone (410): full resync'),
    });
    try {
      await ensureGraphSubscription(deps, userId, session);
    } catch (error) {
      // The events are in; notifications only make them arrive sooner. A subscription Graph would not create or
      // renew (our URL failed its validation, a throttle) is tried again by the next sync, which comes anyway.
      if (error instanceof MicrosoftGrantError || error instanceof ConnectionGoneError) throw error;
      deps.logger.warn({ user_id: userId, provider: 'microsoft', err: (error as Error).message }, 'Graph subscription not ensured; retried by the next sync');
    }
    return result;
  });
}

function readRound(deps: MicrosoftDeps, userId: string, session: GraphSession, from: { link: string } | { start: Date; end: Date }): Promise<CalendarSyncResult> {
  const full = !('link' in from);
  const rules = { keywords: deps.settings.highStakesKeywords, windowMs: deps.microsoft.settings.windowMs };
  return applyListing(deps, { userId, provider: microsoftProvider, source: microsoftSource }, { full, rules }, from, async (query) => {
    const page = await session.delta(query);
    const items = page.events.map(calendarItemOf);
    return {
      items,
      // A cancelled event (an @removed stub) is not listed: a first round's removal of the unlisted takes it too.
      listed: items.filter((item) => !item.cancelled).map((item) => item.eventId),
      ...(page.nextLink ? { next: { link: page.nextLink } } : {}),
      ...(page.deltaLink ? { cursor: page.deltaLink } : {}),
    };
  });
}
