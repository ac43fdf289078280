import type { CalendarItem, CalendarRules } from '../../domain/calendar-decision.ts';
import { holdConnection, updateConnection, type ConnectionRow } from '../../store/connections.repo.ts';
import type { CalendarSourceName, ProviderName } from '../../store/database.ts';
import { ConnectionGoneError } from '../../providers/whoop/whoop-tokens.ts';
import type { Deps } from '../deps.ts';
import { applyCalendarItems, removeUnlisted } from './calendar-items.ts';

// How every calendar provider with a sync cursor (Google's sync token, Graph's delta link) syncs: the provider
// reads pages, this decides what to read and writes what was read.

export interface CalendarSyncResult {
  full: boolean;
  pages: number;
  upserted: number;
  removed: number;
}

/**
 * Reads the changes since the stored cursor, or the window in full: when there is no cursor, when the window was
 * never read in full, when the last full read is older than `fullSyncIntervalMs` (the window slides, and changes
 * never bring events that entered it by time alone), or when the provider no longer knows the cursor (410 Gone:
 * `cursorGone` recognises the provider's error, then `onCursorGone` is told).
 */
export async function changesOrWindow<R>(
  conn: Pick<ConnectionRow, 'sync_cursor' | 'full_synced_at'>,
  now: Date,
  fullSyncIntervalMs: number,
  read: { changes(cursor: string): Promise<R>; window(): Promise<R>; cursorGone(error: unknown): boolean; onCursorGone(): void },
): Promise<R> {
  const fullDue = !conn.sync_cursor || !conn.full_synced_at || conn.full_synced_at.getTime() <= now.getTime() - fullSyncIntervalMs;
  if (!fullDue && conn.sync_cursor) {
    try {
      return await read.changes(conn.sync_cursor);
    } catch (error) {
      if (!read.cursorGone(error)) throw error;
      read.onCursorGone();
    }
  }
  return read.window();
}

/** One page of a provider's listing: its items, the ids it shows as present, and the next page or (last page) the next cursor. */
export interface ListingPage<Q> {
  items: CalendarItem[];
  listed: Iterable<string>;
  next?: Q;
  cursor?: string;
}

/**
 * Applies a listing page by page, each page in its own transaction holding the connection: a disconnect or an
 * erasure waits for the write, and a write after them finds no connection and is dropped (ConnectionGoneError).
 * On the last page (the one with the next cursor) a full listing, the whole truth, removes what it no longer lists,
 * and the cursor is stored (with the time of a full read).
 */
export async function applyListing<Q>(
  deps: Pick<Deps, 'db' | 'clock'>,
  target: { userId: string; provider: ProviderName; source: CalendarSourceName },
  options: { full: boolean; rules: CalendarRules },
  first: Q,
  readPage: (query: Q) => Promise<ListingPage<Q>>,
): Promise<CalendarSyncResult> {
  const { userId, provider } = target;
  const { full, rules } = options;
  const listed = new Set<string>();
  const result: CalendarSyncResult = { full, pages: 0, upserted: 0, removed: 0 };
  for (let query: Q | undefined = first; query !== undefined; ) {
    const page = await readPage(query);
    result.pages += 1;
    const now = deps.clock.now();
    for (const id of page.listed) listed.add(id);
    await deps.db.transaction().execute(async (trx) => {
      if (!(await holdConnection(trx, userId, provider))) throw new ConnectionGoneError();
      const applied = await applyCalendarItems(trx, target, page.items, now, rules);
      result.upserted += applied.upserted;
      result.removed += applied.removed;
      if (page.cursor) {
        if (full) result.removed += await removeUnlisted(trx, target, listed, now);
        await updateConnection(trx, userId, provider, { sync_cursor: page.cursor, ...(full ? { full_synced_at: now } : {}) });
      }
    });
    query = page.cursor ? undefined : page.next;
  }
  return result;
}
