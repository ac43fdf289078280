import { applyCalendarItems, removeUnlisted } from '../../ingest/calendar-items.ts';
import { findConnection, holdConnection, updateConnection } from '../../store/connections.repo.ts';
import type { Service } from '../../service.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import { SyncTokenGoneError, type EventPage, type GoogleSession } from './google-api.ts';
import { ensureChannel } from './calendar-channels.ts';
import { googleOf, withGoogleSession } from './google-session.ts';

export interface CalendarSyncResult {
  full: boolean;
  pages: number;
  upserted: number;
  removed: number;
}

/**
 * Brings the user's high-stakes events up to date with Google Calendar. Incremental with the stored sync
 * token (changes only, cancellations included); in full when there is no token, when Google answers 410
 * Gone for it, or when the last full sync is older than the full-sync interval (the forward window slides,
 * and an incremental sync never brings events that entered it by time alone). Recurring events arrive as
 * instances (`singleEvents`). Then makes sure a push channel is open.
 */
export async function syncGoogleCalendar(svc: Service, userId: string): Promise<CalendarSyncResult> {
  const { settings } = googleOf(svc);
  const conn = await findConnection(svc.db, userId, 'google_calendar');
  if (!conn) throw new ConnectionGoneError();
  const now = svc.clock.now();
  const fullDue = !conn.sync_cursor || !conn.full_synced_at || conn.full_synced_at.getTime() <= now.getTime() - settings.fullSyncIntervalMs;
  return withGoogleSession(svc, userId, async (session) => {
    let result: CalendarSyncResult | undefined;
    if (!fullDue && conn.sync_cursor) {
      try {
        result = await readPages(svc, userId, session, { syncToken: conn.sync_cursor });
      } catch (error) {
        if (!(error instanceof SyncTokenGoneError)) throw error;
        svc.logger.info({ user_id: userId, provider: 'google_calendar' }, 'sync token expired (410): full resync');
      }
    }
    result ??= await readPages(svc, userId, session, { timeMin: now, timeMax: new Date(now.getTime() + settings.windowMs) });
    await ensureChannel(svc, userId, session);
    return result;
  });
}

async function readPages(
  svc: Service,
  userId: string,
  session: GoogleSession,
  query: { syncToken: string } | { timeMin: Date; timeMax: Date },
): Promise<CalendarSyncResult> {
  const { settings } = googleOf(svc);
  const full = !('syncToken' in query);
  const rules = { keywords: svc.settings.highStakesKeywords, windowMs: settings.windowMs };
  const seen = new Set<string>();
  const result: CalendarSyncResult = { full, pages: 0, upserted: 0, removed: 0 };
  let pageToken: string | undefined;
  for (;;) {
    const page: EventPage = await session.listEvents({ ...query, ...(pageToken ? { pageToken } : {}) });
    result.pages += 1;
    const now = svc.clock.now();
    for (const item of page.items) seen.add(item.eventId);
    await svc.db.transaction().execute(async (trx) => {
      if (!(await holdConnection(trx, userId, 'google_calendar'))) throw new ConnectionGoneError();
      const applied = await applyCalendarItems(trx, { userId, source: 'google' }, page.items, now, rules);
      result.upserted += applied.upserted;
      result.removed += applied.removed;
      if (page.nextSyncToken) {
        // The last page: a full listing is the whole truth, so what it no longer lists is gone.
        if (full) result.removed += await removeUnlisted(trx, { userId, source: 'google' }, seen, now);
        await updateConnection(trx, userId, 'google_calendar', {
          sync_cursor: page.nextSyncToken,
          ...(full ? { full_synced_at: now } : {}),
        });
      }
    });
    if (page.nextSyncToken || !page.nextPageToken) return result;
    pageToken = page.nextPageToken;
  }
}
