import { sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import type { Database, Db, DevicesTable } from './database.ts';

export type DeviceRow = Selectable<DevicesTable>;

/**
 * Holds one token's lock until the transaction ends: two registrations of the same token (an app starting twice,
 * or two users on one installation) are applied one after the other, never both as new rows.
 */
export async function lockToken(trx: Transaction<Database>, tokenHash: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('omtobe.device:' || ${tokenHash}, 0))`.execute(trx);
}

export function deviceByToken(db: Db, platform: DevicesTable['platform'], tokenHash: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('platform', '=', platform).where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function insertDevice(db: Db, row: Insertable<DevicesTable>): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

export async function touchDevice(db: Db, deviceId: string, changes: Pick<DevicesTable, 'environment' | 'updated_at'>): Promise<void> {
  await db.updateTable('devices').set(changes).where('device_id', '=', deviceId).execute();
}

/** A user's devices, oldest registration first. */
export function devicesOf(db: Db, userId: string): Promise<DeviceRow[]> {
  return db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('registered_at').orderBy('device_id').execute();
}

export function devicesByIds(db: Db, deviceIds: readonly string[]): Promise<DeviceRow[]> {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('devices').selectAll().where('device_id', 'in', [...deviceIds]).execute();
}

/** Deletes a device of the user; false when the user has none with that id (whoever else may). */
export async function deleteUserDevice(db: Db, userId: string, deviceId: string): Promise<boolean> {
  const result = await db.deleteFrom('devices').where('user_id', '=', userId).where('device_id', '=', deviceId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteDevices(db: Db, deviceIds: readonly string[]): Promise<number> {
  if (deviceIds.length === 0) return 0;
  const result = await db.deleteFrom('devices').where('device_id', 'in', [...deviceIds]).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The user's devices beyond the `keep` most recently registered ones (apps register on every start). */
export async function devicesBeyond(db: Db, userId: string, keep: number): Promise<string[]> {
  const rows = await db
    .selectFrom('devices')
    .select('device_id')
    .where('user_id', '=', userId)
    .orderBy('updated_at', 'desc')
    .orderBy('registered_at', 'desc')
    .offset(keep)
    .limit(1_000)
    .execute();
  return rows.map((r) => r.device_id);
}

/** Key rotation: devices whose token was encrypted with another key than `keyId`. */
export function devicesWithOtherKey(db: Db, keyId: string, limit: number): Promise<DeviceRow[]> {
  return db.selectFrom('devices').selectAll().where('key_id', '!=', keyId).limit(limit).execute();
}

export async function updateDeviceToken(db: Db, deviceId: string, sealed: Pick<DevicesTable, 'token' | 'key_id'>): Promise<void> {
  await db.updateTable('devices').set(sealed).where('device_id', '=', deviceId).execute();
}
