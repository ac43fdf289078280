import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';
import { HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource, Provider } from '@omtobe/proto/integrations/v1';
import { connectWhoop, knownUser, rawConnection, whoopDelivery } from '../../../test/flows.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { createTokenCipher, parseKeyring, TokenDecryptionError, tokenContext } from '../../domain/token-cipher.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const day = 24 * 60 * minute;
const daysAgo = (d: number) => new Date(now0.getTime() - d * day);

async function reasonOf(call: Promise<unknown>): Promise<{ code: Code; reason: string | null }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (!error) throw new Error('expected the call to fail');
  return { code: error.code, reason: error.metadata.get(errorReasonHeader) };
}

describe('WHOOP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    // Users as UserRegistered leaves them: integrations refuses uploads, connects and devices of anyone else.
    await knownUser(h, 'slow-user');
    h.whoop.maxPageSize = 2;
    for (let d = 1; d <= 5; d += 1) h.whoop.addRecovery('101', { sleepId: `sleep-${d}`, createdAt: daysAgo(d), scoreState: 'SCORED', rmssd: 40 + d });
    h.whoop.addRecovery('101', { sleepId: 'sleep-pending', createdAt: daysAgo(0.1), scoreState: 'PENDING_SCORE' });
    h.whoop.addRecovery('101', { sleepId: 'sleep-old', createdAt: daysAgo(20), scoreState: 'SCORED', rmssd: 70 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('connects with a one-time state, exchanges the code by form POST, and backfills recent scored recoveries across pages', async () => {
    const wakesBefore = h.wakes();
    const url = await connectWhoop(h, 'w-user', '101');
    expect(`${url.origin}${url.pathname}`).toBe(`${h.whoop.url}/oauth/oauth2/auth`);
    expect(url.searchParams.get('client_id')).toBe(h.whoop.clientId);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['offline', 'read:recovery']));
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchange = h.whoop.apiRequests('/oauth/oauth2/token')[0]!;
    expect(exchange.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(exchange.body).get('grant_type')).toBe('authorization_code');
    expect(new URLSearchParams(exchange.body).get('redirect_uri')).toBe('https://api.omtobe.test/api/v1/integrations/whoop/callback');

    // The state was used: a replayed callback is refused.
    const replay = h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('101'), state: url.searchParams.get('state')!, error: '' });
    expect(await reasonOf(replay)).toEqual({ code: Code.PermissionDenied, reason: 'invalid_state' });

    // The backfill runs in the background, woken by the callback.
    expect(h.wakes()).toBeGreaterThan(wakesBefore);
    expect(await h.runSyncs()).toBe(1);
    const pages = h.whoop.apiRequests('/developer/v2/recovery');
    expect(pages.map((p) => p.query.get('nextToken'))).toEqual([null, '2', '4']);
    expect(new Date(pages[0]!.query.get('start')!).getTime()).toBe(now0.getTime() - 8 * day);

    const published = await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'w-user', 5);
    expect(published.map((e) => e.message.sampleId).sort()).toEqual(['sleep-1', 'sleep-2', 'sleep-3', 'sleep-4', 'sleep-5']);
    expect(published.every((e) => e.key === 'w-user' && e.message.metric === HrvMetric.RMSSD && e.message.source === HrvSource.WHOOP)).toBe(true);
    expect(published.find((e) => e.message.sampleId === 'sleep-3')!.message.valueMs).toBe(43);

    const connections = await h.client.listConnections({ userId: 'w-user' });
    expect(connections.connections.map((c) => [c.provider, Boolean(c.lastSyncedAt)])).toEqual([[Provider.WHOOP, true]]);
  });

  it('keeps tokens unreadable without the key: the raw columns hold neither token, and another key cannot open them', async () => {
    const row = (await rawConnection(h, 'w-user', 'whoop'))!;
    const [refreshToken] = h.whoop.liveRefreshTokens();
    const accessToken = h.whoop.apiRequests('/developer/v2/recovery').at(-1)!.headers.authorization!.slice('Bearer '.length);
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
    expect(right.decrypt(row.access_token, tokenContext('w-user', 'whoop', 'access'))).toBe(accessToken);
    expect(right.decrypt(row.refresh_token, tokenContext('w-user', 'whoop', 'refresh'))).toBe(refreshToken);
    const wrong = createTokenCipher(parseKeyring(`test-key:${Buffer.alloc(32, 7).toString('base64')}`));
    expect(() => wrong.decrypt(row.refresh_token, tokenContext('w-user', 'whoop', 'refresh'))).toThrow(TokenDecryptionError);
  });

  it('verifies webhooks: applies a valid one once, acknowledges a replay without applying it, refuses forged and stale ones', async () => {
    const delivery = whoopDelivery(h, { user_id: 101, id: 'sleep-6', type: 'recovery.updated', trace_id: 'trace-1' });
    expect((await h.client.handleWhoopWebhook(delivery)).applied).toBe(true);
    expect((await rawConnection(h, 'w-user', 'whoop'))!.sync_due_at).toEqual(now0);

    // WHOOP redelivers the same event (same trace id, fresh signature): acknowledged, not applied.
    h.clock.advance(30_000);
    expect((await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 101, id: 'sleep-6', type: 'recovery.updated', trace_id: 'trace-1' }))).applied).toBe(false);

    const forged = whoopDelivery(h, { user_id: 101, id: 'sleep-6', type: 'recovery.deleted' }, { secret: 'not-the-secret' });
    expect(await reasonOf(h.client.handleWhoopWebhook(forged))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_signature' });
    const tampered = { ...delivery, body: Buffer.from(delivery.body.toString().replace('recovery.updated', 'recovery.deleted')) };
    expect(await reasonOf(h.client.handleWhoopWebhook(tampered))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_signature' });
    const stale = whoopDelivery(h, { user_id: 101, id: 'sleep-1', type: 'recovery.deleted' }, { at: new Date(h.clock.now().getTime() - 6 * minute) });
    expect(await reasonOf(h.client.handleWhoopWebhook(stale))).toEqual({ code: Code.PermissionDenied, reason: 'stale_timestamp' });
    // None of the refused deliveries withdrew anything.
    expect((await h.client.exportUserData({ userId: 'w-user' })).hrvSamples).toHaveLength(5);

    h.whoop.removeRecovery('101', 'sleep-1');
    const deleted = whoopDelivery(h, { user_id: 101, id: 'sleep-1', type: 'recovery.deleted' });
    expect((await h.client.handleWhoopWebhook(deleted)).applied).toBe(true);
    const withdrawn = await h.published(HrvSampleDeletedSchema, (m) => m.userId === 'w-user', 1);
    expect(withdrawn[0]!.message).toMatchObject({ sampleId: 'sleep-1', metric: HrvMetric.RMSSD });
    expect((await h.client.exportUserData({ userId: 'w-user' })).hrvSamples.map((s) => s.sampleId)).not.toContain('sleep-1');
  });

  it('on a 401 refreshes with a form POST, stores the rotated refresh token, and retries the call', async () => {
    h.whoop.addRecovery('101', { sleepId: 'sleep-6', createdAt: daysAgo(0.2), scoreState: 'SCORED', rmssd: 51 });
    h.whoop.expireAccessTokens();
    const [oldRefresh] = h.whoop.liveRefreshTokens();
    const tokenCallsBefore = h.whoop.apiRequests('/oauth/oauth2/token').length;
    expect(await h.runSyncs()).toBe(1); // due since the webhook

    const refresh = h.whoop.apiRequests('/oauth/oauth2/token').slice(tokenCallsBefore);
    expect(refresh).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(refresh[0]!.body))).toMatchObject({ grant_type: 'refresh_token', refresh_token: oldRefresh, scope: 'offline' });
    const [newRefresh] = h.whoop.liveRefreshTokens();
    expect(newRefresh).not.toBe(oldRefresh);
    const row = (await rawConnection(h, 'w-user', 'whoop'))!;
    expect(h.svc.cipher.decrypt(row.refresh_token, tokenContext('w-user', 'whoop', 'refresh'))).toBe(newRefresh);
    const sample = await h.published(HrvSampleRecordedSchema, (m) => m.sampleId === 'sleep-6', 1);
    expect(sample[0]!.message.valueMs).toBe(51);
  });

  it('refreshes before expiry by the service clock, without waiting for a 401', async () => {
    h.clock.advance(57 * minute); // the access token from the last refresh lives 60 minutes
    const before = h.whoop.server.requests.length;
    await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 101, id: 'sleep-6', type: 'recovery.updated' }));
    expect(await h.runSyncs()).toBe(1);
    const calls = h.whoop.server.requests.slice(before).map((r) => r.path);
    expect(calls[0]).toBe('/oauth/oauth2/token');
    expect(calls.slice(1).every((p) => p === '/developer/v2/recovery')).toBe(true);
  });

  it('honours 429 Retry-After: waits inline when short, reschedules the sync when long, backs off without one', async () => {
    const request = async () => {
      await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 101, id: 'sleep-6', type: 'recovery.updated' }));
    };
    h.sleeps.length = 0;
    h.whoop.rateLimitNext('2');
    await request();
    expect(await h.runSyncs()).toBe(1);
    expect(h.sleeps).toEqual([2000]);

    h.sleeps.length = 0;
    h.whoop.rateLimitNext(undefined);
    await request();
    await h.runSyncs();
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(h.sleeps[0]).toBeLessThanOrEqual(1000);

    h.sleeps.length = 0;
    h.whoop.rateLimitNext('120');
    await request();
    expect(await h.runSyncs()).toBe(1);
    expect(h.sleeps).toEqual([]);
    const requestsBefore = h.whoop.apiRequests('/developer/v2/recovery').length;
    expect((await rawConnection(h, 'w-user', 'whoop'))!.sync_due_at).toEqual(new Date(h.clock.now().getTime() + 120_000));
    expect(await h.runSyncs()).toBe(0);
    h.clock.advance(119_999);
    expect(await h.runSyncs()).toBe(0);
    expect(h.whoop.apiRequests('/developer/v2/recovery').length).toBe(requestsBefore);
    h.clock.advance(1);
    expect(await h.runSyncs()).toBe(1);
    expect(h.whoop.apiRequests('/developer/v2/recovery').length).toBeGreaterThan(requestsBefore);
  });

  it('refuses an expired state and a declined consent', async () => {
    const started = await h.client.startConnection({ userId: 'slow-user', provider: Provider.WHOOP });
    const state = new URL(started.authorizationUrl).searchParams.get('state')!;
    h.clock.advance(10 * minute + 1);
    const late = h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('202'), state, error: '' });
    expect(await reasonOf(late)).toEqual({ code: Code.FailedPrecondition, reason: 'state_expired' });

    const again = await h.client.startConnection({ userId: 'slow-user', provider: Provider.WHOOP });
    const declined = h.client.completeConnection({ provider: Provider.WHOOP, code: '', state: new URL(again.authorizationUrl).searchParams.get('state')!, error: 'access_denied' });
    expect(await reasonOf(declined)).toEqual({ code: Code.FailedPrecondition, reason: 'authorization_denied' });
    expect((await h.client.listConnections({ userId: 'slow-user' })).connections).toEqual([]);
  });

  it('disconnects: revokes the grant at WHOOP, deletes the tokens and the samples, and withdraws them downstream', async () => {
    const held = (await h.client.exportUserData({ userId: 'w-user' })).hrvSamples.map((s) => s.sampleId).sort();
    expect(held.length).toBeGreaterThan(0);
    expect((await h.client.disconnect({ userId: 'w-user', provider: Provider.WHOOP })).disconnected).toBe(true);
    expect(await rawConnection(h, 'w-user', 'whoop')).toBeUndefined();
    expect((await h.client.exportUserData({ userId: 'w-user' })).hrvSamples).toEqual([]);
    expect(await h.runRevocations()).toBe(1);
    expect(h.whoop.revoked).toEqual(['101']);
    const withdrawn = await h.published(HrvSampleDeletedSchema, (m) => m.userId === 'w-user' && held.includes(m.sampleId), held.length);
    expect(withdrawn.map((e) => e.message.sampleId).sort()).toEqual(held);
    expect((await h.client.disconnect({ userId: 'w-user', provider: Provider.WHOOP })).disconnected).toBe(false);
    // A webhook for the disconnected account changes nothing.
    expect((await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 101, id: 'sleep-2', type: 'recovery.updated' }))).applied).toBe(true);
    expect(await h.runSyncs()).toBe(0);
  });
});
