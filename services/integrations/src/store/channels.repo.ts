import type { Selectable } from 'kysely';
import type { CalendarChannelsTable, Db } from './database.ts';

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

/**
 * Each user's newest channel (the one notifications come through) when it expires by `by`, a page at a time in
 * user order after `afterUserId`: the candidates for renewal, which the caller judges by the renewal rule
 * (providers/google/calendar-channels.ts `channelRenewalDue`, whose margin is never more than the configured one).
 */
export function newestChannelsExpiringBy(
  db: Db,
  by: Date,
  limit: number,
  afterUserId?: string,
): Promise<Array<Pick<ChannelRow, 'user_id' | 'created_at' | 'expires_at'>>> {
  let newest = db
    .selectFrom('calendar_channels')
    .distinctOn('user_id')
    .select(['user_id', 'created_at', 'expires_at'])
    .orderBy('user_id')
    .orderBy('expires_at', 'desc');
  if (afterUserId !== undefined) newest = newest.where('user_id', '>', afterUserId);
  return db.selectFrom(newest.as('newest')).selectAll().where('expires_at', '<=', by).orderBy('user_id').limit(limit).execute();
}
