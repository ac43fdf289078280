import type { Selectable } from 'kysely';
import type { CalendarChannelsTable } from './database.ts';
import type { Db } from './db.ts';

export type ChannelRow = Selectable<CalendarChannelsTable>;

export async function insertChannel(db: Db, row: ChannelRow): Promise<void> {
  await db.insertInto('calendar_channels').values(row).execute();
}

export function findChannel(db: Db, channelId: string): Promise<ChannelRow | undefined> {
  return db.selectFrom('calendar_channels').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
}

/** A user's channels, newest first. */
export function channelsOf(db: Db, userId: string): Promise<ChannelRow[]> {
  return db.selectFrom('calendar_channels').selectAll().where('user_id', '=', userId).orderBy('expires_at', 'desc').execute();
}

export async function deleteChannel(db: Db, channelId: string): Promise<void> {
  await db.deleteFrom('calendar_channels').where('channel_id', '=', channelId).execute();
}

export function deleteChannelsOf(db: Db, userId: string): Promise<ChannelRow[]> {
  return db.deleteFrom('calendar_channels').where('user_id', '=', userId).returningAll().execute();
}

/** Users with a channel expiring before `before` (renewal candidates). */
export async function usersWithExpiringChannels(db: Db, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('calendar_channels')
    .select('user_id')
    .groupBy('user_id')
    .having((eb) => eb.fn.max('expires_at'), '<', before)
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id);
}
