import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { CalendarSource, HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema, Provider } from '@omtobe/proto/integrations/v1';
import { eventually } from '@omtobe/testing';
import { connectGoogle, outboxIsEmpty, rawConnection } from '../../../test/flows.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { tokenContext } from '../../domain/token-cipher.ts';
import { renewExpiringChannels } from '../../work/maintenance.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (h: number) => new Date(now0.getTime() + h * hour);

describe('Google Calendar through the real googleapis client', () => {
  let h: Harness;
  const user = 'g-user';
  const notify = async (state = 'exists') => {
    const channel = h.google.watches.at(-1)!;
    return h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: state, messageNumber: '2' });
  };
  const upserted = (id: string, count = 1) => h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user && m.eventId === id, count);
  const removed = (id: string, count = 1) => h.published(HighStakesEventRemovedSchema, (m) => m.userId === user && m.eventId === id, count);
  const listCalls = () => h.google.requestsTo('/calendar/v3/calendars/primary/events');
  const tokenCalls = () => h.google.requestsTo('/token').map((r) => new URLSearchParams(r.body).get('grant_type'));

  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    h.google.put({ id: 'board', summary: 'Board Meeting', start: at(2), end: at(3) });
    h.google.put({ id: 'lunch', summary: 'Lunch with Sam', start: at(3), end: at(4) });
    h.google.put({ id: 'salary', summary: 'Salary negotiation', start: at(24), end: at(25) });
    h.google.put({ id: 'decide', summary: '!Decide on the offer', start: at(48), end: at(49) });
    h.google.put({ id: 'offsite', summary: 'Board offsite', allDay: '2026-06-12' });
    h.google.put({ id: 'weekly_20260611T090000Z', summary: 'Weekly Review', start: at(21), end: at(22) });
    h.google.put({ id: 'far', summary: 'Annual Review', start: at(30 * 24), end: at(30 * 24 + 1) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('connects with offline access, syncs in full across pages, keeps only high-stakes events, and opens a push channel', async () => {
    const url = await connectGoogle(h, user);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.google.url}/o/oauth2/v2/auth`);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/calendar.events.readonly');
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenCalls()).toEqual(['authorization_code']);

    expect(await h.runSyncs()).toBe(1);
    const calls = listCalls();
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((c) => c.query.get('singleEvents') === 'true' && c.query.get('timeMin') === now0.toISOString())).toBe(true);
    expect(calls[0]!.query.get('timeMax')).toBe(new Date(now0.getTime() + 14 * day).toISOString());
    expect(calls.slice(1).map((c) => c.query.has('pageToken'))).toEqual(calls.slice(1).map(() => true));
    expect((await rawConnection(h, user, 'google_calendar'))!.sync_cursor).toMatch(/^sync-/);

    const kept = await h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user, 4);
    expect(kept.map((e) => [e.message.eventId, e.message.title]).sort()).toEqual([
      ['board', 'Board Meeting'],
      ['decide', '!Decide on the offer'],
      ['salary', 'Salary negotiation'],
      ['weekly_20260611T090000Z', 'Weekly Review'],
    ]);
    expect(kept.every((e) => e.key === user && e.message.source === CalendarSource.GOOGLE)).toBe(true);
    expect(timestampDate(kept.find((e) => e.message.eventId === 'board')!.message.startsAt!)).toEqual(at(2));

    // Ordinary events leave no trace: not in the table, not in the outbox, not on the topic.
    await eventually(() => outboxIsEmpty(h), Boolean);
    const titles = await sql<{ title: string }>`select title from calendar_events`.execute(h.svc.db);
    expect(titles.rows.map((r) => r.title).sort()).toEqual(['!Decide on the offer', 'Board Meeting', 'Salary negotiation', 'Weekly Review']);
    const publishedText = (e: { message: object }) => Object.values(e.message).filter((v) => typeof v === 'string').join(' ');
    expect(h.allPublished().map(publishedText).join('\n')).not.toContain('Lunch');

    expect(h.google.watches).toHaveLength(1);
    const watch = h.google.watches[0]!;
    expect(watch.address).toBe('https://api.omtobe.test/api/v1/integrations/google/notifications');
    expect(Number(watch.expiration)).toBe(now0.getTime() + 7 * day);
    const stored = await sql<{ token_hash: string }>`select token_hash from calendar_channels`.execute(h.svc.db);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.token_hash).not.toBe(watch.token);
  });

  it('verifies push notifications by channel token: a handshake starts nothing, a wrong token is refused, an unknown channel ignored', async () => {
    expect((await notify('sync')).syncStarted).toBe(false);
    const channel = h.google.watches[0]!;
    await expect(
      h.client.handleCalendarNotification({ channelId: channel.id, channelToken: 'guess', resourceId: channel.resourceId, resourceState: 'exists', messageNumber: '3' }),
    ).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(
      h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: 'other', resourceState: 'exists', messageNumber: '3' }),
    ).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect((await h.client.handleCalendarNotification({ channelId: 'nope', channelToken: 'x', resourceId: 'y', resourceState: 'exists', messageNumber: '1' })).syncStarted).toBe(false);
    expect(await h.runSyncs()).toBe(0);
  });

  it('syncs incrementally with the sync token: a moved event, a cancellation, a rename into and out of high-stakes', async () => {
    h.google.put({ id: 'board', summary: 'Board Meeting', start: at(2.5), end: at(3.5) });
    h.google.cancel('salary');
    h.google.put({ id: 'lunch', summary: 'Budget Review', start: at(3), end: at(4) });
    h.google.put({ id: 'decide', summary: 'Decide on the offer', start: at(48), end: at(49) });
    h.google.put({ id: 'coffee', summary: 'Coffee', start: at(5), end: at(6) });
    const before = listCalls().length;
    expect((await notify()).syncStarted).toBe(true);
    expect(await h.runSyncs()).toBe(1);
    const calls = listCalls().slice(before);
    expect(calls[0]!.query.get('syncToken')).toMatch(/^sync-/);
    expect(calls.every((c) => !c.query.has('timeMin') && !c.query.has('timeMax'))).toBe(true);

    expect(timestampDate((await upserted('board', 2))[1]!.message.startsAt!)).toEqual(at(2.5));
    await removed('salary');
    expect((await upserted('lunch'))[0]!.message.title).toBe('Budget Review');
    await removed('decide');
    await eventually(() => outboxIsEmpty(h), Boolean);
    expect(h.allPublished().map((e) => (e.message as { eventId?: string }).eventId)).not.toContain('coffee');
  });

  it('answers 410 Gone for a stale sync token with a full resync that removes what the calendar no longer lists', async () => {
    h.google.invalidateSyncTokens();
    h.google.cancel('lunch');
    // Cancelled before the resync: the full listing simply lacks it.
    const before = listCalls().length;
    await notify();
    expect(await h.runSyncs()).toBe(1);
    const calls = listCalls().slice(before);
    expect(calls[0]!.query.has('syncToken')).toBe(true);
    expect(calls[1]!.query.has('syncToken')).toBe(false);
    expect(calls[1]!.query.get('timeMin')).toBe(h.clock.now().toISOString());
    await removed('lunch');
    expect((await rawConnection(h, user, 'google_calendar'))!.sync_cursor).toMatch(/^sync-/);
    const ids = (await h.client.exportUserData({ userId: user })).events.map((e) => e.eventId).sort();
    expect(ids).toEqual(['board', 'weekly_20260611T090000Z']);
  });

  it('refreshes an expired access token through the token endpoint: by the service clock, and on a 401', async () => {
    const accessOf = async () => h.svc.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.access_token, tokenContext(user, 'google_calendar', 'access'));
    const refreshOf = async () => h.svc.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.refresh_token, tokenContext(user, 'google_calendar', 'refresh'));
    const firstAccess = await accessOf();
    const refreshToken = await refreshOf();

    h.clock.advance(hour); // the access token lived 3599 s
    const before = h.google.server.requests.length;
    await notify();
    expect(await h.runSyncs()).toBe(1);
    const order = h.google.server.requests.slice(before).map((r) => r.path);
    expect(order[0]).toBe('/token');
    expect(order).not.toContain('/revoke');
    const secondAccess = await accessOf();
    expect(secondAccess).not.toBe(firstAccess);
    expect(await refreshOf()).toBe(refreshToken); // Google's refresh reply has no refresh token: the old one stays

    h.google.expireAccessTokens();
    const before401 = h.google.server.requests.length;
    await notify();
    expect(await h.runSyncs()).toBe(1);
    const after = h.google.server.requests.slice(before401).map((r) => r.path);
    expect(after.slice(0, 3)).toEqual(['/calendar/v3/calendars/primary/events', '/token', '/calendar/v3/calendars/primary/events']);
    expect(await accessOf()).not.toBe(secondAccess);
    expect(tokenCalls().filter((g) => g === 'refresh_token')).toHaveLength(2);
  });

  it('reschedules a rate-limited sync at the time Retry-After names', async () => {
    h.google.rateLimitNext('90');
    await notify();
    expect(await h.runSyncs()).toBe(1);
    expect((await rawConnection(h, user, 'google_calendar'))!.sync_due_at).toEqual(new Date(h.clock.now().getTime() + 90_000));
    h.clock.advance(89_999);
    expect(await h.runSyncs()).toBe(0);
    h.clock.advance(1);
    expect(await h.runSyncs()).toBe(1);
  });

  it('renews the push channel before it expires: opens a new one, then stops the old', async () => {
    const old = h.google.watches.at(-1)!;
    const expires = Number(old.expiration);
    h.clock.set(new Date(expires - 25 * hour));
    expect(await renewExpiringChannels(h.svc)).toBe(0);
    h.clock.set(new Date(expires - 23 * hour));
    expect(await renewExpiringChannels(h.svc)).toBe(1);
    expect(await h.runSyncs()).toBe(1);
    expect(h.google.watches).toHaveLength(2);
    expect(h.google.watches[1]!.id).not.toBe(old.id);
    expect(h.google.stopped).toEqual([{ id: old.id, resourceId: old.resourceId }]);
    // The old channel's notifications are now ignored, the new one's accepted.
    expect((await h.client.handleCalendarNotification({ channelId: old.id, channelToken: old.token, resourceId: old.resourceId, resourceState: 'exists', messageNumber: '9' })).syncStarted).toBe(false);
    expect((await notify()).syncStarted).toBe(true);
  });

  it('disconnects: stops the channel, revokes the grant, removes the events downstream', async () => {
    const channel = h.google.watches.at(-1)!;
    const refresh = h.svc.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.refresh_token, tokenContext(user, 'google_calendar', 'refresh'));
    expect((await h.client.disconnect({ userId: user, provider: Provider.GOOGLE_CALENDAR })).disconnected).toBe(true);
    expect(await h.runRevocations()).toBe(1);
    expect(h.google.stopped).toContainEqual({ id: channel.id, resourceId: channel.resourceId });
    expect(h.google.revoked).toEqual([refresh]);
    await removed('board');
    await removed('weekly_20260611T090000Z');
    expect((await h.client.exportUserData({ userId: user })).events).toEqual([]);
    expect((await h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: 'exists', messageNumber: '10' })).syncStarted).toBe(false);
  });
});
