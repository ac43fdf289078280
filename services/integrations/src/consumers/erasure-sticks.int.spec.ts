// Issue 15 item 7: after UserDeleted, nothing the erased user's app (or their providers) sends comes back as a row,
// and a new registration of the same identity starts from nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { UserDeletedSchema, UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import { DevicePlatform, Provider } from '@omtobe/proto/integrations/v1';
import { refusal } from '@omtobe/testing';
import { connectGoogle, connectWhoop, redemptionCode, whoopDelivery } from '../../test/flows.ts';
import { apnsToken } from '../../test/push-flows.ts';
import { startHarness, topics, type Harness } from '../../test/harness.ts';
import { schema } from '../store/database.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const hour = 3_600_000;
const at = (h: number) => new Date(now0.getTime() + h * hour);
const uuid = (n: number) => `7c2504e0-4f89-41d3-9a0c-0305e82c33${String(n).padStart(2, '0')}`;
const sample = (n: number) => ({ uuid: uuid(n), start: timestampFromDate(at(-2)), end: timestampFromDate(at(-1)), value: 50, unit: 'ms', sourceDevice: '' });

/** Rows of the user in every table of the schema that has a user column (the tombstone aside). */
async function rowsOf(h: Harness, userId: string): Promise<number> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.columns where table_schema = ${schema} and column_name = 'user_id' and table_name <> 'erasures'`.execute(h.deps.db);
  let total = 0;
  for (const { table_name } of tables.rows) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} where user_id = ${userId}`.execute(h.deps.db);
    total += result.rows[0]!.n;
  }
  const outbox = await sql<{ n: number }>`select count(*)::int as n from outbox where key = ${userId}`.execute(h.deps.db);
  return total + outbox.rows[0]!.n;
}

describe('erasure sticks', () => {
  let h: Harness;
  const registered = (userId: string, registeredAt: Date) =>
    h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone: 'Europe/London', registeredAt: timestampFromDate(registeredAt) }));
  const deleted = (userId: string, registeredAt: Date) =>
    h.deliver(topics.users, userId, UserDeletedSchema, create(UserDeletedSchema, { userId, deletedAt: timestampFromDate(h.clock.now()), registeredAt: timestampFromDate(registeredAt) }));

  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses uploads, connects and devices of a user it has not heard of (NOT_FOUND unknown_user, retryable at the gateway) and stores nothing', async () => {
    const refused = { code: Code.NotFound, reason: 'unknown_user' };
    expect(await refusal(h.client.uploadHrvSamples({ userId: 'not-yet', samples: [sample(1)] }))).toEqual(refused);
    expect(await refusal(h.client.uploadHrvSamples({ userId: 'not-yet', samples: [] }))).toEqual(refused);
    expect(await refusal(h.client.startConnection({ userId: 'not-yet', provider: Provider.WHOOP }))).toEqual(refused);
    expect(await refusal(h.client.registerDevice({ userId: 'not-yet', platform: DevicePlatform.IOS, token: apnsToken(1) }))).toEqual(refused);
    expect(await rowsOf(h, 'not-yet')).toBe(0);

    // UserRegistered arrives after the app's first tries (a new user): the retried upload is accepted.
    await registered('not-yet', now0);
    expect((await h.client.uploadHrvSamples({ userId: 'not-yet', samples: [sample(1)] })).results.map((r) => r.reason)).toEqual(['']);
  });

  it('after UserDeleted: an upload, a connect, a device, a callback, a redemption and webhooks leave no row; a new registration starts clean', async () => {
    const firstRegistration = at(-48);
    await registered('gone', firstRegistration);
    await h.client.uploadHrvSamples({ userId: 'gone', samples: [sample(2)] });
    await connectWhoop(h, 'gone', '777');
    await connectGoogle(h, 'gone');
    await h.runSyncs();
    const channel = h.google.watches.at(-1)!;
    // A flow under way at erasure: started before, called back after.
    const pending = new URL((await h.client.startConnection({ userId: 'gone', provider: Provider.WHOOP })).authorizationUrl);
    // A grant called back before the erasure, redeemed after.
    const startedForRedeem = new URL((await h.client.startConnection({ userId: 'gone', provider: Provider.GOOGLE_CALENDAR })).authorizationUrl);
    const kept = await h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code: h.google.issueCode(startedForRedeem), state: startedForRedeem.searchParams.get('state')!, error: '' });
    expect(await rowsOf(h, 'gone')).toBeGreaterThan(0);

    await deleted('gone', firstRegistration);
    expect(await rowsOf(h, 'gone')).toBe(0);

    // The app keeps uploading in the background, tries to connect and to register its phone.
    const refused = { code: Code.NotFound, reason: 'unknown_user' };
    expect(await refusal(h.client.uploadHrvSamples({ userId: 'gone', samples: [sample(3)] }))).toEqual(refused);
    expect(await refusal(h.client.startConnection({ userId: 'gone', provider: Provider.GOOGLE_CALENDAR }))).toEqual(refused);
    expect(await refusal(h.client.registerDevice({ userId: 'gone', platform: DevicePlatform.IOS, token: apnsToken(2) }))).toEqual(refused);
    // The flows under way come to nothing: the state went with the user, the kept grant too.
    expect(
      await refusal(h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('777'), state: pending.searchParams.get('state')!, error: '' })),
    ).toEqual({ code: Code.PermissionDenied, reason: 'invalid_state' });
    expect(await refusal(h.client.redeemConnection({ userId: 'gone', provider: Provider.GOOGLE_CALENDAR, code: redemptionCode(kept) }))).toEqual({
      code: Code.PermissionDenied,
      reason: 'invalid_code',
    });
    // WHOOP and Google keep calling: the connection and the channel are gone, so nothing is applied or synced.
    h.whoop.addRecovery('777', { sleepId: 'sleep-after', createdAt: at(-1), scoreState: 'SCORED', rmssd: 44 });
    await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 777, id: 'sleep-after', type: 'recovery.updated' }));
    await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 777, id: 'sleep-after', type: 'recovery.deleted' }));
    expect((await h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: 'exists', messageNumber: '5' })).syncStarted).toBe(false);
    expect(await h.runSyncs()).toBe(0);
    expect(await rowsOf(h, 'gone')).toBe(0);

    // The same identity registers again: known again, from nothing.
    await registered('gone', at(1));
    expect(await rowsOf(h, 'gone')).toBe(1); // known_users
    expect((await h.client.uploadHrvSamples({ userId: 'gone', samples: [sample(3)] })).results.map((r) => r.reason)).toEqual(['']);
    expect((await h.client.exportUserData({ userId: 'gone' })).hrvSamples.map((s) => s.sampleId)).toEqual([uuid(3).toUpperCase()]);
    expect((await h.client.listConnections({ userId: 'gone' })).connections).toEqual([]);
    expect((await h.client.registerDevice({ userId: 'gone', platform: DevicePlatform.IOS, token: apnsToken(2) })).created).toBe(true);
  });
});
