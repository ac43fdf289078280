import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { HighStakesEventUpsertedSchema, HrvSampleRecordedSchema, Provider } from '@omtobe/proto/integrations/v1';
import { PromptTransitionKind } from '@omtobe/proto/state-engine/v1';
import { connectGoogle, connectMicrosoft, connectWhoop } from '../../test/flows.ts';
import { apnsToken, publishTransition, registerIos, transition } from '../../test/push-flows.ts';
import { startHarness, topics, type Harness } from '../../test/harness.ts';
import { schema } from '../store/database.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const hour = 3_600_000;
const at = (h: number) => new Date(now0.getTime() + h * hour);
const uuid = (n: number) => `0a2504e0-4f89-41d3-9a0c-0305e82c33${String(n).padStart(2, '0')}`;

async function rowsOf(h: Harness, userId: string): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.columns where table_schema = ${schema} and column_name = 'user_id' and table_name <> 'erasures' order by table_name`.execute(h.deps.db);
  const counts: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} where user_id = ${userId}`.execute(h.deps.db);
    counts[table_name] = result.rows[0]!.n;
  }
  return counts;
}

/**
 * A user with something in every table: HealthKit samples, WHOOP, Google and Microsoft connections with data, a push
 * channel and a Graph subscription, a
 * pending OAuth state, a grant waiting for the app to redeem it, a phone and a push still owed to it (APNs keeps answering 500).
 */
async function seed(h: Harness, userId: string, whoopUserId: string): Promise<void> {
  await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone: 'Europe/London', registeredAt: timestampFromDate(now0) }));
  await h.client.uploadHrvSamples({ userId, samples: [{ uuid: uuid(Number(whoopUserId) % 100), start: timestampFromDate(at(-2)), end: timestampFromDate(at(-1)), value: 50, unit: 'ms', sourceDevice: 'Apple Watch' }] });
  h.whoop.addRecovery(whoopUserId, { sleepId: `sleep-${userId}`, createdAt: at(-10), scoreState: 'SCORED', rmssd: 45 });
  await connectWhoop(h, userId, whoopUserId);
  await connectGoogle(h, userId);
  await connectMicrosoft(h, userId);
  await h.client.startConnection({ userId, provider: Provider.WHOOP });
  // A second Google consent called back but not yet redeemed by the app: a grant kept aside.
  const again = new URL((await h.client.startConnection({ userId, provider: Provider.GOOGLE_CALENDAR })).authorizationUrl);
  await h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code: h.google.issueCode(again), state: again.searchParams.get('state')!, error: '' });
  await h.runSyncs();
  await h.published(HrvSampleRecordedSchema, (m) => m.sampleId === `sleep-${userId}`, 1);
  const token = apnsToken(Number(whoopUserId));
  await registerIos(h, userId, token);
  h.apns.answer(token, { status: 500, reason: 'InternalServerError' });
  await publishTransition(h, transition(h, { userId, kind: PromptTransitionKind.BRAKE_RAISED, eventId: 'board' }));
  await h.runPushes();
}

describe('users.v1', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    h.google.put({ id: 'board', summary: 'Board Meeting', start: at(1), end: at(2) });
    h.graph.put({ id: 'AAMk-review', subject: 'Quarterly Review', start: at(3), end: at(4) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('remembers registered users and their timezone changes', async () => {
    await h.deliver(topics.users, 'tz-user', UserRegisteredSchema, create(UserRegisteredSchema, { userId: 'tz-user', timezone: 'Asia/Tokyo', registeredAt: timestampFromDate(now0) }));
    await h.deliver(topics.users, 'tz-user', UserTimezoneChangedSchema, create(UserTimezoneChangedSchema, { userId: 'tz-user', timezone: 'America/Denver' }));
    const row = await sql<{ timezone: string }>`select timezone from known_users where user_id = 'tz-user'`.execute(h.deps.db);
    expect(row.rows).toEqual([{ timezone: 'America/Denver' }]);
  });

  it('erases a user everywhere on UserDeleted, revokes their grants at both providers, and leaves other users alone', async () => {
    await seed(h, 'erase-me', '301');
    await seed(h, 'keep-me', '302');
    await h.published(HighStakesEventUpsertedSchema, (m) => m.userId === 'erase-me', 1);
    const before = await rowsOf(h, 'erase-me');
    expect(Object.keys(before)).toEqual(['calendar_channels', 'calendar_events', 'connections', 'devices', 'graph_subscriptions', 'hrv_samples', 'known_users', 'oauth_grants', 'oauth_states', 'push_deliveries']);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);
    const googleRefresh = h.google.requestsTo('/token').length;
    expect(googleRefresh).toBeGreaterThan(0);

    const [graphSubscription] = (await sql<{ subscription_id: string }>`select subscription_id from graph_subscriptions where user_id = 'erase-me'`.execute(h.deps.db)).rows;
    await h.deliver(topics.users, 'erase-me', UserDeletedSchema, create(UserDeletedSchema, { userId: 'erase-me', deletedAt: timestampFromDate(now0) }));

    expect(Object.values(await rowsOf(h, 'erase-me')).every((n) => n === 0)).toBe(true);
    // What remains is the tombstone: late events of the erased user are dropped, not applied.
    const tombstone = await sql<{ n: number }>`select count(*)::int as n from erasures where user_id = 'erase-me'`.execute(h.deps.db);
    expect(tombstone.rows[0]!.n).toBe(1);
    const kept = await rowsOf(h, 'keep-me');
    expect(kept).toEqual(before);
    const outbox = await sql<{ n: number }>`select count(*)::int as n from outbox where key = 'erase-me'`.execute(h.deps.db);
    expect(outbox.rows[0]!.n).toBe(0);
    // The revocation queue names no user: only the provider and re-encrypted tokens.
    const queued = await sql<{ provider: string }>`select provider from revocations order by provider`.execute(h.deps.db);
    // The connections' grants and the one waiting for redemption.
    expect(queued.rows.map((r) => r.provider)).toEqual(['google_calendar', 'google_calendar', 'microsoft', 'whoop']);
    const queueText = await sql<{ t: string }>`select string_agg(r::text, ' ') as t from revocations r`.execute(h.deps.db);
    expect(queueText.rows[0]!.t).not.toContain('erase-me');

    expect(await h.runRevocations()).toBe(4);
    // Microsoft has no revocation endpoint: the user's Graph subscription is deleted with a fresh token, the grant dropped.
    expect(h.graph.deletedSubscriptions).toEqual([graphSubscription!.subscription_id]);
    expect(h.whoop.revoked).toEqual(['301']);
    expect(h.google.revoked).toHaveLength(2);
    expect(h.google.stopped).toHaveLength(1);
    const left = await sql<{ n: number }>`select count(*)::int as n from revocations`.execute(h.deps.db);
    expect(left.rows[0]!.n).toBe(0);

    // A replayed UserDeleted changes nothing; the other user still syncs.
    await h.deliver(topics.users, 'erase-me', UserDeletedSchema, create(UserDeletedSchema, { userId: 'erase-me' }));
    expect((await h.client.listConnections({ userId: 'keep-me' })).connections).toHaveLength(3);
  });
});
