import { describe, expect, it } from '@jest/globals';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { CalendarSource, ConnectionStatus, HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema, Provider, type HighStakesEventUpserted } from '@omtobe/proto/integrations/v1';
import { captureLogs, connectGoogle, rawConnection } from '../../../test/flows.ts';
import { publicBase } from '@omtobe/testing/fakes';
import { providersPerFile, type Harness, type PublishedEvent } from '../../../test/harness.ts';
import { tokenContext } from '../../domain/token-cipher.ts';
import { renewExpiringChannels } from '../../work/maintenance.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (h: number) => new Date(now0.getTime() + h * hour);

// Every test starts from freshProviders (no connection or channel, an empty calendar, the clock at now0) and
// connects its own user, so any one runs alone (`-t`) or in any order.
describe('Google Calendar through the real googleapis client', () => {
  let h: Harness;
  providersPerFile(now0, (started) => (h = started));

  const notify = async (state = 'exists') => {
    const channel = h.google.watches.at(-1)!;
    return h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: state, messageNumber: '2' });
  };
  const upserted = (user: string, id: string, count = 1) => h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user && m.eventId === id, count);
  const removed = (user: string, id: string, count = 1) => h.published(HighStakesEventRemovedSchema, (m) => m.userId === user && m.eventId === id, count);
  const listCalls = () => h.google.requestsTo('/calendar/v3/calendars/primary/events');
  const tokenCalls = () => h.google.requestsTo('/token').map((r) => new URLSearchParams(r.body).get('grant_type'));
  const statusOf = async (userId: string) => (await h.client.listConnections({ userId })).connections.map((c) => [c.provider, c.status]);
  const syncState = async (user: string) =>
    (await sql<{ sync_due_at: Date | null; sync_failures: number; status: string }>`select sync_due_at, sync_failures, status from connections where user_id = ${user}`.execute(h.deps.db)).rows[0]!;

  /** The calendar most tests start from: four high-stakes events in the window, one ordinary, one all-day, one too far. */
  const putCalendar = () => {
    h.google.put({ id: 'board', summary: 'Board Meeting', start: at(2), end: at(3) });
    h.google.put({ id: 'lunch', summary: 'Lunch with Sam', start: at(3), end: at(4) });
    h.google.put({ id: 'salary', summary: 'Salary negotiation', start: at(24), end: at(25) });
    h.google.put({ id: 'decide', summary: '!Decide on the offer', start: at(48), end: at(49) });
    h.google.put({ id: 'offsite', summary: 'Board offsite', allDay: '2026-06-12' });
    h.google.put({ id: 'weekly_20260611T090000Z', summary: 'Weekly Review', start: at(21), end: at(22) });
    h.google.put({ id: 'far', summary: 'Annual Review', start: at(30 * 24), end: at(30 * 24 + 1) });
  };
  /** Connected, first full sync done, its four high-stakes events published, a push channel open. */
  const connectedAndSynced = async (user: string) => {
    putCalendar();
    await connectGoogle(h, user);
    expect(await h.runSyncs()).toBe(1);
    await h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user, 4);
  };

  it('connects with offline access, syncs in full across pages, keeps only high-stakes events, and opens a push channel', async () => {
    const user = 'g-first';
    putCalendar();
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

    // Exactly these, read after a sentinel: ordinary events leave no trace, not in the table, not on the topic.
    await h.settled(user);
    const ofUser = h.allPublished().filter((e) => e.key === user);
    const kept = ofUser.filter((e) => e.eventType === HighStakesEventUpsertedSchema.typeName) as Array<PublishedEvent & { message: HighStakesEventUpserted }>;
    expect(ofUser).toHaveLength(4);
    expect(kept.map((e) => [e.message.eventId, e.message.title]).sort()).toEqual([
      ['board', 'Board Meeting'],
      ['decide', '!Decide on the offer'],
      ['salary', 'Salary negotiation'],
      ['weekly_20260611T090000Z', 'Weekly Review'],
    ]);
    expect(kept.every((e) => e.key === user && e.message.source === CalendarSource.GOOGLE)).toBe(true);
    expect(timestampDate(kept.find((e) => e.message.eventId === 'board')!.message.startsAt!)).toEqual(at(2));

    const titles = await sql<{ title: string }>`select title from calendar_events where user_id = ${user}`.execute(h.deps.db);
    expect(titles.rows.map((r) => r.title).sort()).toEqual(['!Decide on the offer', 'Board Meeting', 'Salary negotiation', 'Weekly Review']);
    const publishedText = (e: { message: object }) => Object.values(e.message).filter((v) => typeof v === 'string').join(' ');
    expect(ofUser.map(publishedText).join('\n')).not.toContain('Lunch');

    expect(h.google.watches).toHaveLength(1);
    const watch = h.google.watches[0]!;
    expect(watch.address).toBe(`${publicBase}/api/v1/webhooks/google-calendar`);
    expect(Number(watch.expiration)).toBe(now0.getTime() + 7 * day);
    const stored = await sql<{ token_hash: string }>`select token_hash from calendar_channels`.execute(h.deps.db);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.token_hash).not.toBe(watch.token);
    expect(await statusOf(user)).toEqual([[Provider.GOOGLE_CALENDAR, ConnectionStatus.ACTIVE]]);
  });

  it('verifies push notifications by channel token: a handshake starts nothing, a wrong token is refused, an unknown channel ignored', async () => {
    await connectedAndSynced('g-notify');
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
    const user = 'g-incremental';
    await connectedAndSynced(user);
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

    expect(timestampDate((await upserted(user, 'board', 2))[1]!.message.startsAt!)).toEqual(at(2.5));
    await removed(user, 'salary');
    expect((await upserted(user, 'lunch'))[0]!.message.title).toBe('Budget Review');
    await removed(user, 'decide');
    await h.settled(user);
    expect(h.allPublished().filter((e) => e.key === user).map((e) => (e.message as { eventId?: string }).eventId)).not.toContain('coffee');
  });

  it('answers 410 Gone for a stale sync token with a full resync that removes what the calendar no longer lists', async () => {
    const user = 'g-gone';
    await connectedAndSynced(user);
    h.clock.advance(10 * minute);
    h.google.invalidateSyncTokens();
    // Cancelled before the resync: the full listing simply lacks it.
    h.google.cancel('salary');
    const before = listCalls().length;
    await notify();
    expect(await h.runSyncs()).toBe(1);
    const calls = listCalls().slice(before);
    expect(calls[0]!.query.has('syncToken')).toBe(true);
    expect(calls[1]!.query.has('syncToken')).toBe(false);
    expect(calls[1]!.query.get('timeMin')).toBe(h.clock.now().toISOString());
    await removed(user, 'salary');
    expect((await rawConnection(h, user, 'google_calendar'))!.sync_cursor).toMatch(/^sync-/);
    const ids = (await h.client.exportUserData({ userId: user })).events.map((e) => e.eventId).sort();
    expect(ids).toEqual(['board', 'decide', 'weekly_20260611T090000Z']);
  });

  it('refreshes an expired access token through the token endpoint: by the service clock, and on a 401', async () => {
    const user = 'g-refresh';
    await connectedAndSynced(user);
    const accessOf = async () => h.deps.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.access_token, tokenContext(user, 'google_calendar', 'access'));
    const refreshOf = async () => h.deps.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.refresh_token, tokenContext(user, 'google_calendar', 'refresh'));
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
    const user = 'g-retry-after';
    await connectedAndSynced(user);
    h.google.rateLimitNext('90');
    await notify();
    expect(await h.runSyncs()).toBe(1);
    expect((await rawConnection(h, user, 'google_calendar'))!.sync_due_at).toEqual(new Date(h.clock.now().getTime() + 90_000));
    h.clock.advance(89_999);
    expect(await h.runSyncs()).toBe(0);
    h.clock.advance(1);
    expect(await h.runSyncs()).toBe(1);
  });

  it.each(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded'])(
    'backs off from a 403 %s without Retry-After: one request, no token refresh, the sync rescheduled with backoff',
    async (reason) => {
      const user = `g-403-${reason}`;
      await connectedAndSynced(user);
      const logs = captureLogs(h);
      const [listsBefore, tokensBefore] = [listCalls().length, tokenCalls().length];
      h.google.forbidNext(reason);
      await notify();
      expect(await h.runSyncs()).toBe(1);
      // A 403 is no reason to doubt the access token: nothing refreshed, nothing asked again at once.
      expect(listCalls().length - listsBefore).toBe(1);
      expect(tokenCalls().length - tokensBefore).toBe(0);
      const state = await syncState(user);
      expect(state.status).toBe('active');
      expect(state.sync_failures).toBe(1);
      const waitMs = state.sync_due_at!.getTime() - h.clock.now().getTime();
      expect(waitMs).toBeGreaterThanOrEqual(30_000);
      expect(waitMs).toBeLessThanOrEqual(60_000);
      expect(logs.some((l) => l.msg.startsWith('provider rate limit') && l.user_id === user)).toBe(true);

      h.clock.advance(waitMs);
      expect(await h.runSyncs()).toBe(1);
      expect((await syncState(user)).sync_failures).toBe(0);
    },
  );

  it('takes a 403 for another reason as a failure, not a rate limit: no refresh, no inline retry, not a reauth', async () => {
    const user = 'g-403-forbidden';
    await connectedAndSynced(user);
    const logs = captureLogs(h);
    const [listsBefore, tokensBefore] = [listCalls().length, tokenCalls().length];
    h.google.forbidNext('forbidden');
    await notify();
    expect(await h.runSyncs()).toBe(1);
    expect(listCalls().length - listsBefore).toBe(1);
    expect(tokenCalls().length - tokensBefore).toBe(0);
    expect(logs.filter((l) => l.user_id === user && l.level === 40).map((l) => [l.msg, l.err])).toEqual([['sync failed', 'Google Calendar call answered 403 (forbidden)']]);
    const state = await syncState(user);
    expect([state.status, state.sync_failures]).toEqual(['active', 1]);
    expect(await statusOf(user)).toEqual([[Provider.GOOGLE_CALENDAR, ConnectionStatus.ACTIVE]]);
  });

  it('reads dateTimes written with any UTC offset as the instants they name; all-day events (exclusive end.date) are never kept, and a kept meeting made all-day is removed', async () => {
    const user = 'g-zones';
    h.google.put({ id: 'delhi', summary: 'Board Meeting', start: at(2), end: at(3), offset: '+05:30' });
    h.google.put({ id: 'sf', summary: 'Vendor negotiation', start: at(5), end: at(6.5), offset: '-07:00' });
    h.google.put({ id: 'retreat', summary: 'Board retreat', allDay: '2026-06-11', allDayLast: '2026-06-12' });
    await connectGoogle(h, user);
    expect(await h.runSyncs()).toBe(1);
    // What the client was given, as Google writes it: wall time and offset of the event's zone; all-day ends exclusive.
    expect(h.google.listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'delhi', start: { dateTime: '2026-06-10T19:30:00+05:30' }, end: { dateTime: '2026-06-10T20:30:00+05:30' } }),
        expect.objectContaining({ id: 'sf', start: { dateTime: '2026-06-10T10:00:00-07:00' } }),
        expect.objectContaining({ id: 'retreat', start: { date: '2026-06-11' }, end: { date: '2026-06-13' } }),
      ]),
    );

    await h.settled(user);
    const kept = h.allPublished().filter((e) => e.key === user) as Array<PublishedEvent & { message: HighStakesEventUpserted }>;
    expect(kept.map((e) => e.eventType)).toEqual([HighStakesEventUpsertedSchema.typeName, HighStakesEventUpsertedSchema.typeName]);
    const times = Object.fromEntries(kept.map((e) => [e.message.eventId, [timestampDate(e.message.startsAt!), timestampDate(e.message.endsAt!)]]));
    expect(times).toEqual({ delhi: [at(2), at(3)], sf: [at(5), at(6.5)] });
    expect((await h.client.exportUserData({ userId: user })).events.map((e) => e.eventId).sort()).toEqual(['delhi', 'sf']);

    h.google.put({ id: 'delhi', summary: 'Board Meeting', allDay: '2026-06-10' });
    await notify();
    expect(await h.runSyncs()).toBe(1);
    await removed(user, 'delhi');
    expect((await h.client.exportUserData({ userId: user })).events.map((e) => e.eventId)).toEqual(['sf']);
    await h.settled(user);
    // The all-day retreat never reached the topic; the Delhi meeting only as kept, then removed.
    expect(h.allPublished().filter((e) => e.key === user).map((e) => [e.eventType.split('.').at(-1), (e.message as { eventId?: string }).eventId])).toEqual([
      ['HighStakesEventUpserted', expect.any(String)],
      ['HighStakesEventUpserted', expect.any(String)],
      ['HighStakesEventRemoved', 'delhi'],
    ]);
  });

  it('keeps the channel expiry Google answered when it grants less than asked, and renews by it: not at every sync, and before it lapses', async () => {
    const user = 'g-capped';
    h.google.capChannelTtl(12 * hour);
    await connectedAndSynced(user);
    expect(h.google.watches).toHaveLength(1);
    const first = h.google.watches[0]!;
    expect(Number(first.expiration)).toBe(now0.getTime() + 7 * day); // asked for a week
    expect(Number(first.granted)).toBe(now0.getTime() + 12 * hour); // granted twelve hours
    const stored = await sql<{ expires_at: Date }>`select expires_at from calendar_channels where user_id = ${user}`.execute(h.deps.db);
    expect(stored.rows.map((r) => r.expires_at)).toEqual([at(12)]);

    // Hours later, syncs leave the channel alone while more than half its granted life remains.
    for (const hours of [1, 3, 5.99]) {
      h.clock.set(at(hours));
      await notify();
      expect(await h.runSyncs()).toBe(1);
    }
    expect(h.google.watches).toHaveLength(1);

    h.clock.set(at(6));
    await notify();
    expect(await h.runSyncs()).toBe(1);
    expect(h.google.watches).toHaveLength(2);
    expect(Number(h.google.watches[1]!.granted)).toBe(at(18).getTime());
    expect(h.google.stopped).toEqual([{ id: first.id, resourceId: first.resourceId }]);
    expect((await notify()).syncStarted).toBe(true);
  });

  it('renews the push channel before it expires: opens a new one, then stops the old', async () => {
    await connectedAndSynced('g-renew');
    const old = h.google.watches.at(-1)!;
    const expires = Number(old.expiration);
    h.clock.set(new Date(expires - 25 * hour));
    expect(await renewExpiringChannels(h.deps)).toBe(0);
    h.clock.set(new Date(expires - 23 * hour));
    expect(await renewExpiringChannels(h.deps)).toBe(1);
    expect(await h.runSyncs()).toBe(1);
    expect(h.google.watches).toHaveLength(2);
    expect(h.google.watches[1]!.id).not.toBe(old.id);
    expect(h.google.stopped).toEqual([{ id: old.id, resourceId: old.resourceId }]);
    // The old channel's notifications are now ignored, the new one's accepted.
    expect((await h.client.handleCalendarNotification({ channelId: old.id, channelToken: old.token, resourceId: old.resourceId, resourceState: 'exists', messageNumber: '9' })).syncStarted).toBe(false);
    expect((await notify()).syncStarted).toBe(true);
  });

  it('a grant revoked at Google: the refresh gets invalid_grant, the connection stops syncing and ListConnections answers REAUTH_REQUIRED', async () => {
    const user = 'g-revoked';
    await connectedAndSynced(user);
    h.google.revokeGrants();
    await notify();
    expect(await h.runSyncs()).toBe(1);
    expect(await statusOf(user)).toEqual([[Provider.GOOGLE_CALENDAR, ConnectionStatus.REAUTH_REQUIRED]]);
    expect((await syncState(user)).sync_due_at).toBeNull();
    expect((await notify()).syncStarted).toBe(false);
    h.clock.advance(day);
    expect(await h.runSyncs()).toBe(0);
  });

  it('disconnects: stops the channel, revokes the grant, removes the events downstream', async () => {
    const user = 'g-leaving';
    await connectedAndSynced(user);
    const channel = h.google.watches.at(-1)!;
    const refresh = h.deps.cipher.decrypt((await rawConnection(h, user, 'google_calendar'))!.refresh_token, tokenContext(user, 'google_calendar', 'refresh'));
    expect((await h.client.disconnect({ userId: user, provider: Provider.GOOGLE_CALENDAR })).disconnected).toBe(true);
    expect(await h.runRevocations()).toBe(1);
    expect(h.google.stopped).toContainEqual({ id: channel.id, resourceId: channel.resourceId });
    expect(h.google.revoked).toEqual([refresh]);
    for (const id of ['board', 'salary', 'decide', 'weekly_20260611T090000Z']) await removed(user, id);
    expect((await h.client.exportUserData({ userId: user })).events).toEqual([]);
    expect((await h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: 'exists', messageNumber: '10' })).syncStarted).toBe(false);
  });
});
