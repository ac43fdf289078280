import { applyCalendarItems, removeUnlisted } from '../../ingest/calendar-items.ts';
import { findConnection, holdConnection, updateConnection } from '../../store/connections.repo.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import { DeltaGoneError, type GraphSession } from './graph-api.ts';
import { calendarItemOf } from './graph-event.ts';
import { ensureGraphSubscription } from './graph-subscriptions.ts';
import { MicrosoftGrantError } from './microsoft-auth.ts';
import { microsoftProvider, microsoftSource, type MicrosoftService } from './microsoft-service.ts';
import { withGraphSession } from './microsoft-tokens.ts';

export interface MicrosoftSyncResult {
  full: boolean;
  pages: number;
  upserted: number;
  removed: number;
}

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
export async function syncMicrosoftCalendar(svc: MicrosoftService, userId: string): Promise<MicrosoftSyncResult> {
  const { settings } = svc.microsoft;
  const conn = await findConnection(svc.db, userId, microsoftProvider);
  if (!conn) throw new ConnectionGoneError();
  const now = svc.clock.now();
  const fullDue = !conn.sync_cursor || !conn.full_synced_at || conn.full_synced_at.getTime() <= now.getTime() - settings.fullSyncIntervalMs;
  return withGraphSession(svc, userId, async (session) => {
    let result: MicrosoftSyncResult | undefined;
    if (!fullDue && conn.sync_cursor) {
      try {
        result = await readRound(svc, userId, session, { link: conn.sync_cursor });
      } catch (error) {
        if (!(error instanceof DeltaGoneError)) throw error;
        svc.logger.info({ user_id: userId, provider: 'microsoft' }, 'delta link gone (410): full resync');
      }
    }
    result ??= await readRound(svc, userId, session, { start: now, end: new Date(now.getTime() + settings.windowMs) });
    try {
      await ensureGraphSubscription(svc, userId, session);
    } catch (error) {
      // The events are in; notifications only make them arrive sooner. A subscription Graph would not create or
      // renew (our URL failed its validation, a throttle) is tried again by the next sync, which comes anyway.
      if (error instanceof MicrosoftGrantError || error instanceof ConnectionGoneError) throw error;
      svc.logger.warn({ user_id: userId, provider: 'microsoft', err: (error as Error).message }, 'Graph subscription not ensured; retried by the next sync');
    }
    return result;
  });
}

async function readRound(svc: MicrosoftService, userId: string, session: GraphSession, from: { link: string } | { start: Date; end: Date }): Promise<MicrosoftSyncResult> {
  const full = !('link' in from);
  const rules = { keywords: svc.settings.highStakesKeywords, windowMs: svc.microsoft.settings.windowMs };
  const target = { userId, source: microsoftSource };
  const seen = new Set<string>();
  const result: MicrosoftSyncResult = { full, pages: 0, upserted: 0, removed: 0 };
  let next: { link: string } | { start: Date; end: Date } = from;
  for (;;) {
    const page = await session.delta(next);
    result.pages += 1;
    const now = svc.clock.now();
    const items = page.events.map(calendarItemOf);
    for (const item of items) if (!item.cancelled) seen.add(item.eventId);
    await svc.db.transaction().execute(async (trx) => {
      if (!(await holdConnection(trx, userId, microsoftProvider))) throw new ConnectionGoneError();
      const applied = await applyCalendarItems(trx, target, items, now, rules);
      result.upserted += applied.upserted;
      result.removed += applied.removed;
      if (page.deltaLink) {
        // The end of a first round: a full listing is the whole truth, so what it no longer lists is gone.
        if (full) result.removed += await removeUnlisted(trx, target, seen, now);
        await updateConnection(trx, userId, microsoftProvider, { sync_cursor: page.deltaLink, ...(full ? { full_synced_at: now } : {}) });
      }
    });
    if (page.deltaLink || !page.nextLink) return result;
    next = { link: page.nextLink };
  }
}
