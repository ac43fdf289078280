import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { DevicePlatform, PushEnvironment } from '@omtobe/proto/integrations/v1';
import { refusal } from '@omtobe/testing';
import { knownUser } from '../../../test/flows.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { apnsToken, fcmToken, registerAndroid, registerIos } from '../../../test/push-flows.ts';

const now0 = new Date('2026-06-10T12:00:00Z');

describe('devices (RegisterDevice, ListDevices, DeleteDevice)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false', PUSH_MAX_DEVICES_PER_USER: '3' } });
    // Users as UserRegistered leaves them: integrations refuses uploads, connects and devices of anyone else.
    for (const userId of ['ana', 'ben', 'carla', 'dan', 'erin', 'frank', 'gina', 'hugo', 'ivy']) await knownUser(h, userId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('registers an iPhone (token in lower case, its environment kept) and answers the same device for the same token', async () => {
    const token = apnsToken(1).toUpperCase();
    const first = await h.client.registerDevice({ userId: 'ana', platform: DevicePlatform.IOS, token, environment: PushEnvironment.SANDBOX });
    expect(first.created).toBe(true);
    expect(first.device).toMatchObject({ platform: DevicePlatform.IOS, environment: PushEnvironment.SANDBOX, token: token.toLowerCase() });
    h.clock.advance(60_000);
    const again = await h.client.registerDevice({ userId: 'ana', platform: DevicePlatform.IOS, token: token.toLowerCase(), environment: PushEnvironment.SANDBOX });
    expect(again.created).toBe(false);
    expect(again.device!.deviceId).toBe(first.device!.deviceId);
    expect(again.device!.updatedAt!.seconds - first.device!.updatedAt!.seconds).toBe(60n);
    const listed = await h.client.listDevices({ userId: 'ana' });
    expect(listed.devices.map((d) => [d.deviceId, d.token, d.updatedAt!.seconds])).toEqual([[first.device!.deviceId, token.toLowerCase(), again.device!.updatedAt!.seconds]]);
  });

  it('takes Android tokens as they are, always in production', async () => {
    const device = (await h.client.registerDevice({ userId: 'ben', platform: DevicePlatform.ANDROID, token: fcmToken(2), environment: PushEnvironment.SANDBOX })).device!;
    expect(device).toMatchObject({ platform: DevicePlatform.ANDROID, environment: PushEnvironment.PRODUCTION, token: fcmToken(2) });
  });

  it('refuses bad tokens and platforms with a machine reason', async () => {
    const bad = (platform: DevicePlatform, token: string) => refusal(h.client.registerDevice({ userId: 'ana', platform, token }));
    expect(await bad(DevicePlatform.IOS, 'abc123')).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_token' });
    expect(await bad(DevicePlatform.IOS, 'g'.repeat(64))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_token' });
    expect(await bad(DevicePlatform.IOS, 'a'.repeat(202))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_token' });
    expect(await bad(DevicePlatform.ANDROID, 'has space')).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_token' });
    expect(await bad(DevicePlatform.ANDROID, '')).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_token' });
    expect(await bad(DevicePlatform.UNSPECIFIED, apnsToken(3))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_platform' });
    expect(await bad(7 as DevicePlatform, apnsToken(3))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_platform' });
    expect(await refusal(h.client.registerDevice({ userId: 'ana', platform: DevicePlatform.IOS, token: apnsToken(3), environment: 9 as PushEnvironment }))).toEqual({
      code: Code.InvalidArgument,
      reason: 'invalid_environment',
    });
    expect((await h.client.listDevices({ userId: 'ana' })).devices).toHaveLength(1);
  });

  it("deletes a user's own device, and answers NOT_FOUND for another user's device id", async () => {
    const carlas = await registerIos(h, 'carla', apnsToken(4));
    const dans = await registerAndroid(h, 'dan', fcmToken(5));
    expect(await refusal(h.client.deleteDevice({ userId: 'carla', deviceId: dans.deviceId }))).toEqual({ code: Code.NotFound, reason: 'device_not_found' });
    expect((await h.client.listDevices({ userId: 'dan' })).devices).toHaveLength(1);
    expect(await refusal(h.client.deleteDevice({ userId: 'carla', deviceId: 'not-a-uuid' }))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_device_id' });
    await h.client.deleteDevice({ userId: 'carla', deviceId: carlas.deviceId });
    expect((await h.client.listDevices({ userId: 'carla' })).devices).toEqual([]);
    expect(await refusal(h.client.deleteDevice({ userId: 'carla', deviceId: carlas.deviceId }))).toEqual({ code: Code.NotFound, reason: 'device_not_found' });
  });

  it('moves a token registered by another user to the new user (one installation, one person)', async () => {
    const token = apnsToken(6);
    const old = await registerIos(h, 'erin', token);
    const moved = await h.client.registerDevice({ userId: 'frank', platform: DevicePlatform.IOS, token });
    expect(moved.created).toBe(true);
    expect(moved.device!.deviceId).not.toBe(old.deviceId);
    expect((await h.client.listDevices({ userId: 'erin' })).devices).toEqual([]);
    expect((await h.client.listDevices({ userId: 'frank' })).devices.map((d) => d.token)).toEqual([token]);
  });

  it('keeps tokens encrypted at rest, bound to their row, with a sha256 for the lookup', async () => {
    const token = fcmToken(7);
    const device = await registerAndroid(h, 'gina', token);
    const rows = await sql<{ token: Buffer; token_hash: string; key_id: string }>`select token, token_hash, key_id from devices where device_id = ${device.deviceId}`.execute(h.deps.db);
    const row = rows.rows[0]!;
    expect(row.token.includes(Buffer.from(token))).toBe(false);
    expect(row.token.includes(Buffer.from(token.slice(0, 16)))).toBe(false);
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row.key_id).toBe(h.tokenKeys.split(':')[0]);
    // The ciphertext copied into another row does not decrypt there.
    const other = await registerAndroid(h, 'gina', fcmToken(8));
    await sql`update devices set token = ${row.token} where device_id = ${other.deviceId}`.execute(h.deps.db);
    await expect(h.client.listDevices({ userId: 'gina' })).rejects.toMatchObject({ code: Code.Internal });
    await sql`delete from devices where device_id = ${other.deviceId}`.execute(h.deps.db);
  });

  it('replaces the least recently registered device beyond PUSH_MAX_DEVICES_PER_USER', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await registerIos(h, 'hugo', apnsToken(20 + i))).deviceId);
      h.clock.advance(1_000);
    }
    // The first phone registers again (the app started): now the second is the one not seen for longest.
    await registerIos(h, 'hugo', apnsToken(20));
    h.clock.advance(1_000);
    const fourth = await registerIos(h, 'hugo', apnsToken(23));
    const listed = (await h.client.listDevices({ userId: 'hugo' })).devices.map((d) => d.deviceId);
    expect(listed.sort()).toEqual([ids[0], ids[2], fourth.deviceId].sort());
  });

  it('lists devices in the export', async () => {
    const device = await registerIos(h, 'ivy', apnsToken(30), PushEnvironment.SANDBOX);
    const exported = await h.client.exportUserData({ userId: 'ivy' });
    expect(exported.devices.map((d) => [d.deviceId, d.token, d.environment])).toEqual([[device.deviceId, apnsToken(30), PushEnvironment.SANDBOX]]);
  });
});
