import { describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { ConnectionStatus, HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource, Provider, type HrvSampleDeleted, type HrvSampleRecorded } from '@omtobe/proto/integrations/v1';
import { eventually, refusal } from '@omtobe/testing';
import { captureLogs, connectWhoop, knownUser, rawConnection, whoopDelivery } from '../../../test/flows.ts';
import { publicBase } from '@omtobe/testing/fakes';
import { freshProviders, providersPerFile, type Harness, type PublishedEvent } from '../../../test/harness.ts';
import { createTokenCipher, parseKeyring, TokenDecryptionError, tokenContext } from '../../domain/token-cipher.ts';
import { withWhoopToken } from './whoop-tokens.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const second = 1000;
const minute = 60 * second;
const day = 24 * 60 * minute;
const daysAgo = (d: number) => new Date(now0.getTime() - d * day);

// Every test starts from freshProviders (no connection, empty fakes, the clock at its start) and connects its own
// users, so any one runs alone (`-t`) or in any order.
describe('WHOOP', () => {
  let h: Harness;
  providersPerFile(now0, (started) => (h = started));

  const recoveriesRead = () => h.whoop.apiRequests('/developer/v2/recovery');
  const tokenRequests = () => h.whoop.apiRequests('/oauth/oauth2/token');
  /** WHOOP user `whoopUserId` with scored recoveries 1..n days ago (RMSSD 40 + d). */
  const withRecoveries = (whoopUserId: string, n: number) => {
    for (let d = 1; d <= n; d += 1) h.whoop.addRecovery(whoopUserId, { sleepId: `sleep-${whoopUserId}-${d}`, createdAt: daysAgo(d), scoreState: 'SCORED', rmssd: 40 + d });
  };
  /** Connected and first-synced, its samples published. */
  const connectedAndSynced = async (userId: string, whoopUserId: string, recoveries = 3) => {
    withRecoveries(whoopUserId, recoveries);
    await connectWhoop(h, userId, whoopUserId);
    expect(await h.runSyncs()).toBe(1);
    await h.published(HrvSampleRecordedSchema, (m) => m.userId === userId, recoveries);
  };
  const webhookFor = async (whoopUserId: string) => {
    await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: Number(whoopUserId), id: 'sleep-any', type: 'recovery.updated' }));
  };
  const statusOf = async (userId: string) => (await h.client.listConnections({ userId })).connections.map((c) => [c.provider, c.status]);

  it('connects with a one-time state, exchanges the code by form POST, and backfills recent scored recoveries across pages', async () => {
    h.whoop.maxPageSize = 2;
    withRecoveries('101', 5);
    h.whoop.addRecovery('101', { sleepId: 'sleep-pending', createdAt: daysAgo(0.1), scoreState: 'PENDING_SCORE' });
    h.whoop.addRecovery('101', { sleepId: 'sleep-old', createdAt: daysAgo(20), scoreState: 'SCORED', rmssd: 70 });
    const wakesBefore = h.wakes();
    const url = await connectWhoop(h, 'w-backfill', '101');
    expect(`${url.origin}${url.pathname}`).toBe(`${h.whoop.url}/oauth/oauth2/auth`);
    expect(url.searchParams.get('client_id')).toBe(h.whoop.clientId);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['offline', 'read:recovery']));
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchange = tokenRequests()[0]!;
    expect(exchange.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(exchange.body).get('grant_type')).toBe('authorization_code');
    expect(new URLSearchParams(exchange.body).get('redirect_uri')).toBe(`${publicBase}/api/v1/providers/whoop/callback`);

    // The state was used: a replayed callback is refused.
    const replay = h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('101'), state: url.searchParams.get('state')!, error: '' });
    expect(await refusal(replay)).toEqual({ code: Code.PermissionDenied, reason: 'invalid_state' });

    // The backfill runs in the background, woken by the callback.
    expect(h.wakes()).toBeGreaterThan(wakesBefore);
    expect(await h.runSyncs()).toBe(1);
    expect(recoveriesRead().map((p) => p.query.get('nextToken'))).toEqual([null, '2', '4']);
    expect(new Date(recoveriesRead()[0]!.query.get('start')!).getTime()).toBe(now0.getTime() - 8 * day);

    // Exactly these five, read after a sentinel: not the pending one, not the one beyond the backfill window.
    await h.settled('w-backfill');
    const published = h.allPublished().filter((e) => e.key === 'w-backfill') as Array<PublishedEvent & { message: HrvSampleRecorded }>;
    expect(published.every((e) => e.eventType === HrvSampleRecordedSchema.typeName)).toBe(true);
    expect(published.map((e) => e.message.sampleId).sort()).toEqual([1, 2, 3, 4, 5].map((d) => `sleep-101-${d}`));
    expect(published.every((e) => e.key === 'w-backfill' && e.message.metric === HrvMetric.RMSSD && e.message.source === HrvSource.WHOOP)).toBe(true);
    expect(published.find((e) => e.message.sampleId === 'sleep-101-3')!.message.valueMs).toBe(43);

    const connections = await h.client.listConnections({ userId: 'w-backfill' });
    expect(connections.connections.map((c) => [c.provider, c.status, Boolean(c.lastSyncedAt)])).toEqual([[Provider.WHOOP, ConnectionStatus.ACTIVE, true]]);
  });

  it('keeps tokens unreadable without the key: the raw columns hold neither token, and another key cannot open them', async () => {
    await connectedAndSynced('w-vault', '102');
    const row = (await rawConnection(h, 'w-vault', 'whoop'))!;
    const [refreshToken] = h.whoop.liveRefreshTokens();
    const accessToken = recoveriesRead().at(-1)!.headers.authorization!.slice('Bearer '.length);
    expect(refreshToken).toBeDefined();
    for (const column of [row.access_token, row.refresh_token]) {
      for (const encoding of ['utf8', 'latin1', 'hex', 'base64'] as const) {
        const text = column.toString(encoding);
        expect(text).not.toContain(accessToken);
        expect(text).not.toContain(refreshToken);
        expect(text).not.toContain(Buffer.from(accessToken).toString(encoding));
      }
    }
    expect(row.key_id).toBe('test-key');
    const right = createTokenCipher(parseKeyring(h.tokenKeys));
    expect(right.decrypt(row.access_token, tokenContext('w-vault', 'whoop', 'access'))).toBe(accessToken);
    expect(right.decrypt(row.refresh_token, tokenContext('w-vault', 'whoop', 'refresh'))).toBe(refreshToken);
    const wrong = createTokenCipher(parseKeyring(`test-key:${Buffer.alloc(32, 7).toString('base64')}`));
    expect(() => wrong.decrypt(row.refresh_token, tokenContext('w-vault', 'whoop', 'refresh'))).toThrow(TokenDecryptionError);
  });

  it('verifies webhooks: applies a valid one once, acknowledges a replay without applying it, refuses forged and stale ones', async () => {
    await connectedAndSynced('w-hooks', '103', 5);
    const delivery = whoopDelivery(h, { user_id: 103, id: 'sleep-103-6', type: 'recovery.updated', trace_id: 'trace-w-hooks' });
    expect((await h.client.handleWhoopWebhook(delivery)).applied).toBe(true);
    expect((await rawConnection(h, 'w-hooks', 'whoop'))!.sync_due_at).toEqual(now0);

    // WHOOP redelivers the same event (same trace id, fresh signature): acknowledged, not applied.
    h.clock.advance(30_000);
    expect((await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 103, id: 'sleep-103-6', type: 'recovery.updated', trace_id: 'trace-w-hooks' }))).applied).toBe(false);

    const forged = whoopDelivery(h, { user_id: 103, id: 'sleep-103-6', type: 'recovery.deleted' }, { secret: 'not-the-secret' });
    expect(await refusal(h.client.handleWhoopWebhook(forged))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_signature' });
    const tampered = { ...delivery, body: Buffer.from(delivery.body.toString().replace('recovery.updated', 'recovery.deleted')) };
    expect(await refusal(h.client.handleWhoopWebhook(tampered))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_signature' });
    const stale = whoopDelivery(h, { user_id: 103, id: 'sleep-103-1', type: 'recovery.deleted' }, { at: new Date(h.clock.now().getTime() - 6 * minute) });
    expect(await refusal(h.client.handleWhoopWebhook(stale))).toEqual({ code: Code.PermissionDenied, reason: 'stale_timestamp' });
    // None of the refused deliveries withdrew anything.
    expect((await h.client.exportUserData({ userId: 'w-hooks' })).hrvSamples).toHaveLength(5);

    h.whoop.removeRecovery('103', 'sleep-103-1');
    const deleted = whoopDelivery(h, { user_id: 103, id: 'sleep-103-1', type: 'recovery.deleted' });
    expect((await h.client.handleWhoopWebhook(deleted)).applied).toBe(true);
    const withdrawn = await h.published(HrvSampleDeletedSchema, (m) => m.userId === 'w-hooks', 1);
    expect(withdrawn[0]!.message).toMatchObject({ sampleId: 'sleep-103-1', metric: HrvMetric.RMSSD });
    expect((await h.client.exportUserData({ userId: 'w-hooks' })).hrvSamples.map((s) => s.sampleId)).not.toContain('sleep-103-1');
  });

  it('on a 401 refreshes with a form POST, stores the rotated refresh token, and retries the call', async () => {
    await connectedAndSynced('w-401', '104');
    h.whoop.addRecovery('104', { sleepId: 'sleep-104-new', createdAt: daysAgo(0.2), scoreState: 'SCORED', rmssd: 51 });
    h.whoop.expireAccessTokens();
    const [oldRefresh] = h.whoop.liveRefreshTokens();
    const tokenCallsBefore = tokenRequests().length;
    await webhookFor('104');
    expect(await h.runSyncs()).toBe(1);

    const refresh = tokenRequests().slice(tokenCallsBefore);
    expect(refresh).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(refresh[0]!.body))).toMatchObject({ grant_type: 'refresh_token', refresh_token: oldRefresh, scope: 'offline' });
    const [newRefresh] = h.whoop.liveRefreshTokens();
    expect(newRefresh).not.toBe(oldRefresh);
    const row = (await rawConnection(h, 'w-401', 'whoop'))!;
    expect(h.deps.cipher.decrypt(row.refresh_token, tokenContext('w-401', 'whoop', 'refresh'))).toBe(newRefresh);
    const sample = await h.published(HrvSampleRecordedSchema, (m) => m.sampleId === 'sleep-104-new', 1);
    expect(sample[0]!.message.valueMs).toBe(51);
  });

  it('refreshes before expiry by the service clock, without waiting for a 401', async () => {
    await connectedAndSynced('w-early', '105');
    h.clock.advance(57 * minute); // the access token lives 60 minutes
    const before = h.whoop.server.requests.length;
    await webhookFor('105');
    expect(await h.runSyncs()).toBe(1);
    const calls = h.whoop.server.requests.slice(before).map((r) => r.path);
    expect(calls[0]).toBe('/oauth/oauth2/token');
    expect(calls.slice(1).every((p) => p === '/developer/v2/recovery')).toBe(true);
  });

  it('sends WHOOP\'s X-RateLimit headers on every API answer, in the documented format', async () => {
    await connectedAndSynced('w-headers', '106');
    const response = await fetch(`${h.whoop.url}/developer/v2/recovery`);
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ratelimit-limit')).toBe('100, 100;window=60, 10000;window=86400');
    // Profile + one page so far, and this call: 97 of the minute's 100 left, the minute window refilling in 60 s.
    expect(response.headers.get('x-ratelimit-remaining')).toBe('97');
    expect(response.headers.get('x-ratelimit-reset')).toBe('60');
  });

  it('holds the next call until X-RateLimit-Reset once Remaining reaches 0, without drawing a 429', async () => {
    await freshProviders(h, new Date('2026-06-10T12:00:50Z'));
    h.whoop.setLimits({ perMinute: 3 });
    h.whoop.maxPageSize = 1;
    withRecoveries('107', 5);
    await connectWhoop(h, 'w-window', '107'); // the profile call: 2 left this minute
    expect(await h.runSyncs()).toBe(1);
    // Page 2 spent the minute (Remaining 0, Reset 10): page 3 left only after the reset.
    expect(h.sleeps).toEqual([10 * second]);
    expect(h.whoop.tooManyRequests).toBe(0);
    expect(recoveriesRead()).toHaveLength(5);
    await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'w-window', 5);
    expect((await rawConnection(h, 'w-window', 'whoop'))!.sync_due_at).toEqual(new Date(h.clock.now().getTime() + 60 * minute));
  });

  it('on a 429 without Retry-After waits for X-RateLimit-Reset (not blind backoff), then carries on', async () => {
    await freshProviders(h, new Date('2026-06-10T12:00:50Z'));
    withRecoveries('108', 2);
    await connectWhoop(h, 'w-429', '108');
    h.whoop.spend(100, 'minute'); // another replica of the app used the minute up
    expect(await h.runSyncs()).toBe(1);
    expect(h.whoop.tooManyRequests).toBe(1);
    expect(h.sleeps).toEqual([10 * second]);
    await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'w-429', 2);
  });

  it('when the day\'s 10,000 are spent, reschedules every WHOOP sync at the day\'s reset and sends nothing until then', async () => {
    withRecoveries('109', 1);
    withRecoveries('110', 1);
    await connectWhoop(h, 'w-day-a', '109');
    await connectWhoop(h, 'w-day-b', '110');
    h.whoop.spend(10_000, 'day');
    expect(await h.runSyncs()).toBe(2);
    // One refusal taught the client the reset (12 h, at midnight UTC): the other sync did not ask again.
    expect(h.whoop.tooManyRequests).toBe(1);
    expect(recoveriesRead()).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    const midnight = new Date('2026-06-11T00:00:00Z');
    for (const user of ['w-day-a', 'w-day-b']) {
      const row = await sql<{ sync_due_at: Date; sync_failures: number }>`select sync_due_at, sync_failures from connections where user_id = ${user}`.execute(h.deps.db);
      expect(row.rows[0]).toEqual({ sync_due_at: midnight, sync_failures: 0 });
    }
    h.clock.set(new Date(midnight.getTime() - 1));
    expect(await h.runSyncs()).toBe(0);
    h.clock.set(midnight);
    expect(await h.runSyncs()).toBe(2);
    await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'w-day-a' || m.userId === 'w-day-b', 2);
    expect(h.whoop.tooManyRequests).toBe(1);
  });

  it('honours a 429\'s Retry-After when one is sent: waits inline when short, reschedules the sync when long', async () => {
    await connectedAndSynced('w-retry-after', '111');
    h.whoop.rateLimitNext('2');
    await webhookFor('111');
    expect(await h.runSyncs()).toBe(1);
    expect(h.sleeps).toEqual([2000]);

    h.sleeps.length = 0;
    h.whoop.rateLimitNext('120');
    await webhookFor('111');
    expect(await h.runSyncs()).toBe(1);
    expect(h.sleeps).toEqual([]);
    const requestsBefore = recoveriesRead().length;
    expect((await rawConnection(h, 'w-retry-after', 'whoop'))!.sync_due_at).toEqual(new Date(h.clock.now().getTime() + 120_000));
    expect(await h.runSyncs()).toBe(0);
    h.clock.advance(119_999);
    expect(await h.runSyncs()).toBe(0);
    expect(recoveriesRead().length).toBe(requestsBefore);
    h.clock.advance(1);
    expect(await h.runSyncs()).toBe(1);
    expect(recoveriesRead().length).toBeGreaterThan(requestsBefore);
  });

  it('two refreshes of one grant at once: one refresh request reaches WHOOP, both callers go on with the rotated token', async () => {
    await connectedAndSynced('w-race', '112');
    const [spent] = h.whoop.liveRefreshTokens();
    h.clock.advance(57 * minute); // within the refresh margin: both callers refresh first
    const tokenCallsBefore = tokenRequests().length;
    const release = h.whoop.holdTokenAnswers();
    const used = Promise.all([1, 2].map(() => withWhoopToken(h.deps, 'w-race', async (accessToken) => accessToken)));
    // The first refresh is at WHOOP, the second caller waits for the connection's row lock.
    await eventually(
      async () => ({
        atWhoop: tokenRequests().length - tokenCallsBefore,
        waiting: (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(h.deps.db)).rows[0]!.n,
      }),
      (s) => s.atWhoop === 1 && s.waiting === 1,
    );
    release();
    const [first, second] = await used;
    expect(tokenRequests().length - tokenCallsBefore).toBe(1);
    expect(new URLSearchParams(tokenRequests().at(-1)!.body).get('refresh_token')).toBe(spent);
    expect(first).toBe(second);
    const row = (await rawConnection(h, 'w-race', 'whoop'))!;
    expect(h.deps.cipher.decrypt(row.access_token, tokenContext('w-race', 'whoop', 'access'))).toBe(first);
    expect([h.deps.cipher.decrypt(row.refresh_token, tokenContext('w-race', 'whoop', 'refresh'))]).toEqual(h.whoop.liveRefreshTokens());
    expect(await statusOf('w-race')).toEqual([[Provider.WHOOP, ConnectionStatus.ACTIVE]]);
  });

  it.each(['error', 'drop'] as const)(
    'a refresh WHOOP rotated but whose answer was lost (%s): the retry with the spent token gets invalid_grant, the connection becomes REAUTH_REQUIRED, said in one log line without tokens',
    async (how) => {
      const [user, whoopUser] = how === 'error' ? ['w-lost-5xx', '113'] : ['w-lost-drop', '115'];
      await connectedAndSynced(user, whoopUser);
      const [spent] = h.whoop.liveRefreshTokens();
      const accessTokens = h.whoop.server.requests.flatMap((r) => (r.headers.authorization ? [r.headers.authorization.slice('Bearer '.length)] : []));
      h.whoop.expireAccessTokens();
      h.whoop.loseNextRefreshAnswer(how);
      const logs = captureLogs(h);
      const tokenCallsBefore = tokenRequests().length;
      await webhookFor(whoopUser);
      expect(await h.runSyncs()).toBe(1);

      // The lost answer held the only copy of the rotated token; the retry presented the spent one and was refused.
      const refreshes = tokenRequests().slice(tokenCallsBefore).map((r) => new URLSearchParams(r.body).get('refresh_token'));
      expect(refreshes).toEqual([spent, spent]);
      expect(await statusOf(user)).toEqual([[Provider.WHOOP, ConnectionStatus.REAUTH_REQUIRED]]);
      const row = (await rawConnection(h, user, 'whoop'))!;
      expect([row.status, row.sync_due_at]).toEqual(['reauth_required', null]);
      const said = logs.filter((l) => l.after_lost_answer === true);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatchObject({ level: 40, user_id: user, provider: 'whoop' });
      expect(said[0]!.msg).toMatch(/answer was lost.*reauth required/);
      const secrets = [spent!, ...accessTokens, ...h.whoop.liveRefreshTokens()];
      const text = logs.map((l) => JSON.stringify(l)).join('\n');
      for (const secret of secrets) expect(text).not.toContain(secret);

      // Nothing more is tried for this grant: webhooks plan no sync, the worker claims nothing, WHOOP hears nothing.
      const requestsBefore = h.whoop.server.requests.length;
      await webhookFor(whoopUser);
      h.clock.advance(2 * 60 * minute);
      expect(await h.runSyncs()).toBe(0);
      expect(h.whoop.server.requests.length).toBe(requestsBefore);

      // Connecting again is the way back.
      await connectWhoop(h, user, whoopUser);
      expect(await statusOf(user)).toEqual([[Provider.WHOOP, ConnectionStatus.ACTIVE]]);
      expect(await h.runSyncs()).toBe(1);
    },
  );

  it('refuses an expired state and a declined consent', async () => {
    await knownUser(h, 'slow-user');
    const started = await h.client.startConnection({ userId: 'slow-user', provider: Provider.WHOOP });
    const state = new URL(started.authorizationUrl).searchParams.get('state')!;
    h.clock.advance(10 * minute + 1);
    const late = h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('202'), state, error: '' });
    expect(await refusal(late)).toEqual({ code: Code.FailedPrecondition, reason: 'state_expired' });

    const again = await h.client.startConnection({ userId: 'slow-user', provider: Provider.WHOOP });
    const declined = h.client.completeConnection({ provider: Provider.WHOOP, code: '', state: new URL(again.authorizationUrl).searchParams.get('state')!, error: 'access_denied' });
    expect(await refusal(declined)).toEqual({ code: Code.FailedPrecondition, reason: 'authorization_denied' });
    expect((await h.client.listConnections({ userId: 'slow-user' })).connections).toEqual([]);
  });

  it('disconnects: revokes the grant at WHOOP, deletes the tokens and the samples, and withdraws them downstream', async () => {
    await connectedAndSynced('w-leaving', '114');
    const held = (await h.client.exportUserData({ userId: 'w-leaving' })).hrvSamples.map((s) => s.sampleId).sort();
    expect(held).toEqual([1, 2, 3].map((d) => `sleep-114-${d}`));
    expect((await h.client.disconnect({ userId: 'w-leaving', provider: Provider.WHOOP })).disconnected).toBe(true);
    expect(await rawConnection(h, 'w-leaving', 'whoop')).toBeUndefined();
    expect((await h.client.exportUserData({ userId: 'w-leaving' })).hrvSamples).toEqual([]);
    expect(await h.runRevocations()).toBe(1);
    expect(h.whoop.revoked).toEqual(['114']);
    await h.settled('w-leaving');
    const withdrawn = h.allPublished().filter((e) => e.key === 'w-leaving' && e.eventType === HrvSampleDeletedSchema.typeName) as Array<PublishedEvent & { message: HrvSampleDeleted }>;
    expect(withdrawn.map((e) => e.message.sampleId).sort()).toEqual(held);
    expect((await h.client.disconnect({ userId: 'w-leaving', provider: Provider.WHOOP })).disconnected).toBe(false);
    // A webhook for the disconnected account changes nothing.
    expect((await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 114, id: 'sleep-114-2', type: 'recovery.updated' }))).applied).toBe(true);
    expect(await h.runSyncs()).toBe(0);
  });
});
