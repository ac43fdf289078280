import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The phone's own calendars (issue 18, UploadCalendarEvents): `device` as a calendar event source, next to the
 * sources 0003 and 0010 allow; an index for the upload's window (a user's kept phone events overlapping it).
 */
export const addDeviceCalendars: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`alter table calendar_events drop constraint if exists calendar_events_source_check`.execute(db);
    await sql`alter table calendar_events add constraint calendar_events_source_check check (source in ('google', 'mock', 'microsoft', 'device'))`.execute(db);
    await db.schema.createIndex('calendar_events_user_source_starts_idx').on('calendar_events').columns(['user_id', 'source', 'starts_at']).execute();
  },
};
