import { randomUUID } from 'node:crypto';
import { FailedPreconditionError, NotFoundError } from '@omtobe/platform';
import { requireKnownUser } from '../connections/known-user.ts';
import { deviceTokenContext, deviceTokenHash, tokenTag, validateDeviceRegistration, type DevicePlatformName, type PushEnvironmentName } from '../../domain/device-token.ts';
import type { TokenCipher } from '../../domain/token-cipher.ts';
import { deleteDevices, deleteUserDevice, deviceByToken, devicesBeyond, devicesOf, insertDevice, lockToken, touchDevice, type DeviceRow } from '../../store/devices.repo.ts';
import { finishPendingOfDevices } from '../../store/push-deliveries.repo.ts';
import type { Deps } from '../deps.ts';

export interface DeviceView {
  deviceId: string;
  platform: DevicePlatformName;
  environment: PushEnvironmentName;
  token: string;
  registeredAt: Date;
  updatedAt: Date;
}

export function deviceView(cipher: TokenCipher, row: DeviceRow): DeviceView {
  return {
    deviceId: row.device_id,
    platform: row.platform,
    environment: row.environment,
    token: cipher.decrypt(row.token, deviceTokenContext(row.user_id, row.device_id)),
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
  };
}

/**
 * RegisterDevice. The same token again (apps register on every start) is the same device, touched; a token
 * another user registered moves to this user as a new device (it names one app installation, used by one
 * person), and the pushes still owed to the old registration are cancelled, never delivered to the new owner.
 * Beyond PUSH_MAX_DEVICES_PER_USER the least recently registered devices are replaced: a phone not seen for
 * longest is the likeliest to be gone, and refusing would lock a user out on their new phone.
 */
export async function registerDevice(
  deps: Pick<Deps, 'db' | 'clock' | 'cipher' | 'logger' | 'settings'>,
  userId: string,
  input: { platform: DevicePlatformName | undefined; environment: PushEnvironmentName | undefined; token: string },
): Promise<{ device: DeviceView; created: boolean }> {
  const registration = validateDeviceRegistration(input);
  if (!deps.settings.push.platforms.includes(registration.platform)) {
    throw new FailedPreconditionError(`pushes to ${registration.platform} are not configured`, { reason: 'platform_not_served' });
  }
  const tokenHash = deviceTokenHash(registration.token);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    await requireKnownUser(trx, userId);
    await lockToken(trx, tokenHash);
    const existing = await deviceByToken(trx, registration.platform, tokenHash);
    if (existing && existing.user_id === userId) {
      await touchDevice(trx, existing.device_id, { environment: registration.environment, updated_at: now });
      return { device: { ...deviceView(deps.cipher, existing), environment: registration.environment, updatedAt: now }, created: false };
    }
    if (existing) {
      await deleteDevices(trx, [existing.device_id]);
      await finishPendingOfDevices(trx, [existing.device_id], 'cancelled', now);
      // No user ids: this line must not link two people.
      deps.logger.info({ device: tokenTag(registration.token) }, 'a push token moved to another user');
    }
    const deviceId = randomUUID();
    await insertDevice(trx, {
      device_id: deviceId,
      user_id: userId,
      platform: registration.platform,
      environment: registration.environment,
      token: deps.cipher.encrypt(registration.token, deviceTokenContext(userId, deviceId)),
      key_id: deps.cipher.currentKeyId,
      token_hash: tokenHash,
      registered_at: now,
      updated_at: now,
    });
    const replaced = await devicesBeyond(trx, userId, deps.settings.push.maxDevicesPerUser);
    if (replaced.length > 0) {
      await deleteDevices(trx, replaced);
      await finishPendingOfDevices(trx, replaced, 'cancelled', now);
      deps.logger.info({ user_id: userId, replaced: replaced.length }, 'oldest devices replaced (PUSH_MAX_DEVICES_PER_USER)');
    }
    return { device: { deviceId, ...registration, registeredAt: now, updatedAt: now }, created: true };
  });
}

export async function listDevices(deps: Pick<Deps, 'db' | 'cipher'>, userId: string): Promise<DeviceView[]> {
  return (await devicesOf(deps.db, userId)).map((row) => deviceView(deps.cipher, row));
}

/** DeleteDevice: NOT_FOUND unless the user has a device with that id (whether another user does is never told). */
export async function deleteDevice(deps: Pick<Deps, 'db' | 'clock'>, userId: string, deviceId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await deleteUserDevice(trx, userId, deviceId))) throw new NotFoundError('no such device', { reason: 'device_not_found' });
    await finishPendingOfDevices(trx, [deviceId], 'cancelled', deps.clock.now());
  });
}
