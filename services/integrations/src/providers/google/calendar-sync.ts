import { applyListing, changesOrWindow, type CalendarSyncResult } from '../../operations/ingest/calendar-sync.ts';
import { findConnection } from '../../store/connections.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import { ConnectionGoneError } from '../whoop/whoop-tokens.ts';
import { SyncTokenGoneError, type GoogleSession } from './google-api.ts';
import { ensureChannel } from './calendar-channels.ts';
import { googleOf, withGoogleSession } from './google-session.ts';

/**
 * Brings the user's high-stakes events up to date with Google Calendar. Incremental with the stored sync
 * token (changes only, cancellations included); in full when there is no token, when Google answers 410
 * Gone for it, or when the last full sync is older than the full-sync interval (the forward window slides,
 * and an incremental sync never brings events that entered it by time alone). Recurring events arrive as
 * instances (`singleEvents`). Then makes sure a push channel is open.
 */
export async function syncGoogleCalendar(deps: Deps, userId: string): Promise<CalendarSyncResult> {
  const { settings } = googleOf(deps);
  const conn = await findConnection(deps.db, userId, 'google_calendar');
  if (!conn) throw new ConnectionGoneError();
  const now = deps.clock.now();
  return withGoogleSession(deps, userId, async (session) => {
    const result = await changesOrWindow(conn, now, settings.fullSyncIntervalMs, {
      changes: (syncToken) => readPages(deps, userId, session, { syncToken }),
      window: () => readPages(deps, userId, session, { timeMin: now, timeMax: new Date(now.getTime() + settings.windowMs) }),
      cursorGone: (error) => error instanceof SyncTokenGoneError,
      onCursorGone: () => deps.logger.info({ user_id: userId, provider: 'google_calendar' }, 'sync token expired (410): full resync'),
    });
    await ensureChannel(deps, userId, session);
    return result;
  });
}

function readPages(deps: Deps, userId: string, session: GoogleSession, query: { syncToken: string } | { timeMin: Date; timeMax: Date }): Promise<CalendarSyncResult> {
  const full = !('syncToken' in query);
  const rules = { keywords: deps.settings.highStakesKeywords, windowMs: googleOf(deps).settings.windowMs };
  return applyListing(deps, { userId, provider: 'google_calendar', source: 'google' }, { full, rules }, query, async (q: typeof query & { pageToken?: string }) => {
    const page = await session.listEvents(q);
    return {
      items: page.items,
      listed: page.items.map((item) => item.eventId),
      ...(page.nextPageToken ? { next: { ...q, pageToken: page.nextPageToken } } : {}),
      ...(page.nextSyncToken ? { cursor: page.nextSyncToken } : {}),
    };
  });
}
