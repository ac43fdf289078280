import { describe, expect, it } from '@jest/globals';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { CalendarSource, ConnectionStatus, HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema, Provider } from '@omtobe/proto/integrations/v1';
import { Code } from '@connectrpc/connect';
import { refusal } from '@omtobe/testing';
import { microsoftPerFile, type MicrosoftHarness } from '../../../test/microsoft-harness.ts';
import { outlookMaxSubscriptionMs } from '@omtobe/testing/fakes';
import { openTokens } from '../../operations/connections/token-vault.ts';
import { renewGraphSubscriptions } from './graph-subscriptions.ts';
import { handleGraphWebhook } from './graph-notifications.ts';
import { graphSubscriptionRef, revokeMicrosoftGrant } from './microsoft-revocation.ts';
import { microsoftProvider } from './microsoft.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const at = (h: number) => new Date(now0.getTime() + h * hour);

// Every test starts from fresh() (no connection, subscription or event, an empty Graph, the clock at now0) and
// connects its own user, so any one runs alone (`-t`) or in any order.
describe('Microsoft 365 calendar through the real msal-node and Graph clients', () => {
  let m: MicrosoftHarness;
  microsoftPerFile(now0, (started) => (m = started));

  const upserted = (user: string, id: string, count = 1) => m.h.published(HighStakesEventUpsertedSchema, (e) => e.userId === user && e.eventId === id, count);
  const removed = (user: string, id: string, count = 1) => m.h.published(HighStakesEventRemovedSchema, (e) => e.userId === user && e.eventId === id, count);
  const deltaCalls = () => m.graph.requestsTo('/v1.0/me/calendarView/delta');
  const connection = async (user: string) =>
    (
      await sql<{ sync_cursor: string | null; sync_due_at: Date | null; status: string; refresh_token: Uint8Array; access_token: Uint8Array }>`
        select sync_cursor, sync_due_at, status, refresh_token, access_token from connections where user_id = ${user} and provider = 'microsoft'`.execute(m.deps.db)
    ).rows[0]!;
  const subscriptionRows = async (user: string) =>
    (await sql<{ subscription_id: string; client_state_hash: string; expires_at: Date; renewed_at: Date | null }>`select * from graph_subscriptions where user_id = ${user}`.execute(m.deps.db)).rows;
  const storedIds = async (user: string) =>
    (await sql<{ event_id: string }>`select event_id from calendar_events where user_id = ${user} order by event_id`.execute(m.deps.db)).rows.map((r) => r.event_id);

  /** Three high-stakes meetings and an ordinary one; pages of two, so the first round follows a nextLink. */
  const putCalendar = () => {
    m.graph.put({ id: 'AAMk-board', subject: 'Board Meeting', start: at(2), end: at(3) });
    m.graph.put({ id: 'AAMk-lunch', subject: 'Lunch with Sam', start: at(3), end: at(4) });
    m.graph.put({ id: 'AAMk-review', subject: 'Quarterly Review', start: at(24), end: at(25) });
    m.graph.put({ id: 'AAMk-deal', subject: 'Vendor negotiation', start: at(48), end: at(49) });
    m.graph.put({ id: 'AAMk-offsite', subject: 'Board offsite', start: at(36), end: at(60), isAllDay: true });
  };
  const connectedAndSynced = async (user: string) => {
    putCalendar();
    const authorizationUrl = await m.connect(user);
    expect(await m.runSyncs()).toBe(1);
    await m.h.published(HighStakesEventUpsertedSchema, (e) => e.userId === user, 3);
    return authorizationUrl;
  };

  it('syncs the calendar view with delta: a moved event reaches calendar.v1 with its new time, a deleted one is withdrawn, an ordinary one is never stored', async () => {
    const user = 'ms-delta';
    await connectedAndSynced(user);
    // The first round: a window from now, in UTC (Prefer), then the nextLink pages, ending at a deltaLink kept whole.
    const first = deltaCalls()[0]!;
    expect(first.query.get('startDateTime')).toBe(now0.toISOString());
    expect(first.query.get('endDateTime')).toBe(at(14 * 24).toISOString());
    expect(deltaCalls().every((r) => String(r.headers.prefer).includes('outlook.timezone="UTC"'))).toBe(true);
    expect(deltaCalls().slice(1).every((r) => r.query.has('$skiptoken'))).toBe(true);
    expect((await connection(user)).sync_cursor).toMatch(new RegExp(`^${m.graph.url}/v1\\.0/me/calendarView/delta\\?\\$deltatoken=`));
    expect(await storedIds(user)).toEqual(['AAMk-board', 'AAMk-deal', 'AAMk-review']);
    const [review] = await upserted(user, 'AAMk-review');
    expect(timestampDate(review!.message.startsAt!)).toEqual(at(24));

    m.graph.put({ id: 'AAMk-review', subject: 'Quarterly Review', start: at(30), end: at(31) });
    m.graph.delete('AAMk-deal');
    m.graph.put({ id: 'AAMk-lunch', subject: 'Lunch with Sam and Alex', start: at(3), end: at(5) });
    m.h.clock.advance(15 * minute);
    const before = deltaCalls().length;
    expect(await m.runSyncs()).toBe(1);
    // The delta round started at the kept deltaLink (no window again).
    const round = deltaCalls().slice(before);
    expect(round[0]!.query.has('$deltatoken')).toBe(true);
    expect(round.some((r) => r.query.has('startDateTime'))).toBe(false);

    const [, moved] = await upserted(user, 'AAMk-review', 2);
    expect(timestampDate(moved!.message.startsAt!)).toEqual(at(30));
    expect(timestampDate(moved!.message.endsAt!)).toEqual(at(31));
    await removed(user, 'AAMk-deal');
    await m.h.settled(user);
    expect(await storedIds(user)).toEqual(['AAMk-board', 'AAMk-review']);
    const published = m.h.allPublished().filter((e) => e.key === user).map((e) => (e.message as unknown as { eventId: string }).eventId);
    expect(published).not.toContain('AAMk-lunch');
    expect(published).not.toContain('AAMk-offsite');
  });

  it('answers the validation handshake with the token as text/plain, and Graph creates the subscription only after it', async () => {
    const handshake = await m.graph.validate();
    expect(handshake.ok).toBe(true);
    expect(handshake.answer.status).toBe(200);
    expect(handshake.answer.contentType).toMatch(/^text\/plain/);

    const user = 'ms-validation';
    await connectedAndSynced(user);
    const [sub] = [...m.graph.subscriptions.values()];
    expect(sub!.resource).toBe('/me/events');
    expect(sub!.notificationUrl).toBe('https://api.omtobe.test/api/v1/webhooks/microsoft');
    expect(sub!.clientState.length).toBeLessThanOrEqual(128);
    const rows = await subscriptionRows(user);
    expect(rows.map((r) => r.subscription_id)).toEqual([sub!.id]);
    // Only the secret's hash is kept.
    expect(rows[0]!.client_state_hash).not.toContain(sub!.clientState);
    // The creation ran a handshake against our endpoint first (the fake refuses to create otherwise).
    expect(m.graph.requestsTo('/v1.0/subscriptions')).toHaveLength(1);
  });

  it('refuses a notification with a wrong clientState and applies nothing; the right one asks for a sync now', async () => {
    const user = 'ms-client-state';
    await connectedAndSynced(user);
    const planned = (await connection(user)).sync_due_at!;
    expect(planned).toEqual(new Date(now0.getTime() + 15 * minute));

    const forged = await m.graph.notifyChange({ clientState: 'not-the-secret' });
    expect(forged.status).toBe(403);
    expect((await connection(user)).sync_due_at).toEqual(planned);
    expect(await m.runSyncs()).toBe(0);

    const genuine = await m.graph.notifyChange();
    expect(genuine.status).toBe(202);
    expect((await connection(user)).sync_due_at).toEqual(now0);
    m.graph.put({ id: 'AAMk-new', subject: 'Board Review', start: at(5), end: at(6) });
    expect(await m.runSyncs()).toBe(1);
    await upserted(user, 'AAMk-new');
  });

  it('HandleGraphNotification (the RPC the gateway calls) refuses a wrong clientState and queues a sync for the right one', async () => {
    const user = 'ms-rpc';
    await connectedAndSynced(user);
    const [sub] = [...m.graph.subscriptions.values()];
    const planned = (await connection(user)).sync_due_at!;
    const notification = (clientState: string) =>
      Buffer.from(JSON.stringify({ value: [{ subscriptionId: sub!.id, clientState, changeType: 'updated', resource: 'me/events/AAMk-new' }] }));

    expect(await refusal(m.h.client.handleGraphNotification({ body: notification(`${sub!.clientState.slice(0, -1)}x`) }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_client_state' });
    expect((await connection(user)).sync_due_at).toEqual(planned);
    expect(await m.runSyncs()).toBe(0);

    const handshake = await m.h.client.handleGraphNotification({ validationToken: 'Validation: token 1', body: Buffer.alloc(0) });
    expect(handshake).toMatchObject({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'Validation: token 1' });
    const accepted = await m.h.client.handleGraphNotification({ body: notification(sub!.clientState) });
    expect(accepted).toMatchObject({ status: 202, body: '' });
    m.graph.put({ id: 'AAMk-new', subject: 'Board Review', start: at(5), end: at(6) });
    expect(await m.runSyncs()).toBe(1);
    await upserted(user, 'AAMk-new');
    expect(await refusal(m.h.client.handleGraphNotification({ body: Buffer.alloc(64 * 1024 + 1) }))).toEqual({ code: Code.InvalidArgument, reason: 'body_too_large' });
  });

  it('lists the connection (reauth_required once Microsoft refuses the grant) and exports its events with their source', async () => {
    const user = 'ms-list';
    await connectedAndSynced(user);
    const [listed] = (await m.h.client.listConnections({ userId: user })).connections;
    expect(listed).toMatchObject({ provider: Provider.MICROSOFT, status: ConnectionStatus.ACTIVE });
    const exported = await m.h.client.exportUserData({ userId: user });
    expect(exported.connections.map((c) => c.provider)).toEqual([Provider.MICROSOFT]);
    expect(exported.events.map((e) => [e.eventId, e.source]).sort()).toEqual([
      ['AAMk-board', CalendarSource.MICROSOFT],
      ['AAMk-deal', CalendarSource.MICROSOFT],
      ['AAMk-review', CalendarSource.MICROSOFT],
    ]);

    m.graph.revokeGrants();
    m.h.clock.advance(2 * hour);
    expect(await m.runSyncs()).toBe(1);
    expect((await m.h.client.listConnections({ userId: user })).connections.map((c) => [c.provider, c.status])).toEqual([[Provider.MICROSOFT, ConnectionStatus.REAUTH_REQUIRED]]);
  });

  it('disconnects: the events are withdrawn, the subscription is forgotten and then deleted at Graph by the revocation worker', async () => {
    const user = 'ms-disconnect';
    await connectedAndSynced(user);
    const [sub] = await subscriptionRows(user);
    expect((await m.h.client.disconnect({ userId: user, provider: Provider.MICROSOFT })).disconnected).toBe(true);
    await removed(user, 'AAMk-board');
    await removed(user, 'AAMk-review');
    await removed(user, 'AAMk-deal');
    expect(await storedIds(user)).toEqual([]);
    expect(await subscriptionRows(user)).toEqual([]);
    expect((await m.h.client.listConnections({ userId: user })).connections).toEqual([]);
    expect(await m.h.runRevocations()).toBe(1);
    expect(m.graph.deletedSubscriptions).toEqual([sub!.subscription_id]);
    expect((await sql<{ n: number }>`select count(*)::int as n from revocations`.execute(m.deps.db)).rows[0]!.n).toBe(0);
    // A notification still in flight for it matches nothing stored: acknowledged, nothing synced.
    const late = Buffer.from(JSON.stringify({ value: [{ subscriptionId: sub!.subscription_id, clientState: 'whatever', changeType: 'updated' }] }));
    expect(await m.h.client.handleGraphNotification({ body: late })).toMatchObject({ status: 202 });
    expect(await m.runSyncs()).toBe(0);
  });

  it('renews the subscription before it expires (PATCH), keeping the expiry Graph granted', async () => {
    const user = 'ms-renewal';
    // Ask for a week: Graph grants Outlook event subscriptions 4,230 minutes at most.
    m.deps.microsoft = { ...m.deps.microsoft, settings: { ...m.deps.microsoft.settings, subscriptionTtlMs: 7 * 24 * hour } };
    try {
      await connectedAndSynced(user);
      const [created] = await subscriptionRows(user);
      expect(created!.expires_at).toEqual(new Date(now0.getTime() + outlookMaxSubscriptionMs));

      // Not yet within the renewal margin (12 h): nothing to renew.
      m.h.clock.set(new Date(created!.expires_at.getTime() - 13 * hour));
      expect(await renewGraphSubscriptions(m.deps)).toBe(0);

      m.h.clock.set(new Date(created!.expires_at.getTime() - 11 * hour));
      expect(await renewGraphSubscriptions(m.deps)).toBe(1);
      expect(await m.runSyncs()).toBe(1);
      expect(m.graph.renewals).toHaveLength(1);
      const renewal = m.graph.renewals[0]!;
      expect(renewal.id).toBe(created!.subscription_id);
      expect(renewal.at.getTime()).toBeLessThan(created!.expires_at.getTime());
      const [renewed] = await subscriptionRows(user);
      expect(renewed!.expires_at).toEqual(new Date(m.h.clock.now().getTime() + outlookMaxSubscriptionMs));
      expect(renewed!.renewed_at).toEqual(m.h.clock.now());
      expect(m.graph.requestsTo('/v1.0/subscriptions')).toHaveLength(1); // renewed, not recreated
    } finally {
      m.deps.microsoft = { ...m.deps.microsoft, settings: { ...m.deps.microsoft.settings, subscriptionTtlMs: outlookMaxSubscriptionMs } };
    }
  });

  it('resyncs on a `missed` lifecycle notification: what the lost notifications were about arrives', async () => {
    const user = 'ms-missed';
    await connectedAndSynced(user);
    // A change whose notification never came: nothing is due, nothing runs.
    m.graph.put({ id: 'AAMk-late', subject: 'Salary Negotiation', start: at(6), end: at(7) });
    expect(await m.runSyncs()).toBe(0);

    const answer = await m.graph.notifyLifecycle('missed');
    expect(answer.status).toBe(202);
    expect(await m.runSyncs()).toBe(1);
    await upserted(user, 'AAMk-late');
  });

  it('renews on `reauthorizationRequired` and recreates the subscription (with a resync) on `subscriptionRemoved`', async () => {
    const user = 'ms-lifecycle';
    await connectedAndSynced(user);
    const [first] = await subscriptionRows(user);

    expect((await m.graph.notifyLifecycle('reauthorizationRequired')).status).toBe(202);
    expect(await m.runSyncs()).toBe(1);
    expect(m.graph.renewals.map((r) => r.id)).toEqual([first!.subscription_id]);

    m.graph.put({ id: 'AAMk-after', subject: '!Sign the term sheet', start: at(8), end: at(9) });
    expect((await m.graph.notifyLifecycle('subscriptionRemoved')).status).toBe(202);
    expect(await subscriptionRows(user)).toEqual([]);
    expect(await m.runSyncs()).toBe(1);
    await upserted(user, 'AAMk-after');
    const [second] = await subscriptionRows(user);
    expect(second!.subscription_id).not.toBe(first!.subscription_id);
    expect(m.graph.subscriptions.has(second!.subscription_id)).toBe(true);
  });

  it('honours Retry-After on 429 and 503: short waits inline, a long one reschedules the sync at the time Graph named', async () => {
    const user = 'ms-throttle';
    putCalendar();
    await m.connect(user);
    m.graph.throttleNext({ status: 429, retryAfter: '7' }, { status: 503, retryAfter: '2' });
    expect(await m.runSyncs()).toBe(1);
    expect(m.sleeps).toEqual([7_000, 2_000]);
    await m.h.published(HighStakesEventUpsertedSchema, (e) => e.userId === user, 3);

    m.h.clock.advance(15 * minute);
    m.graph.throttleNext({ status: 429, retryAfter: '3600' });
    expect(await m.runSyncs()).toBe(1);
    expect(m.sleeps).toEqual([7_000, 2_000]);
    expect((await connection(user)).sync_due_at).toEqual(new Date(m.h.clock.now().getTime() + 3600_000));
  });

  it('starts over with a new calendar view when Graph answers 410 Gone for the delta link', async () => {
    const user = 'ms-gone';
    await connectedAndSynced(user);
    m.graph.invalidateDeltaTokens();
    m.graph.put({ id: 'AAMk-fresh', subject: 'Budget Review', start: at(10), end: at(11) });
    // Deleted while the sync state was lost: only a full listing's absence can tell.
    m.graph.delete('AAMk-board');
    m.graph.invalidateDeltaTokens();
    m.h.clock.advance(15 * minute);
    const before = deltaCalls().length;
    expect(await m.runSyncs()).toBe(1);
    const round = deltaCalls().slice(before);
    expect(round[0]!.query.has('$deltatoken')).toBe(true);
    expect(round[1]!.query.get('startDateTime')).toBe(m.h.clock.now().toISOString());
    await upserted(user, 'AAMk-fresh');
    await removed(user, 'AAMk-board');
    expect(await storedIds(user)).toEqual(['AAMk-deal', 'AAMk-fresh', 'AAMk-review']);
  });

  it('refreshes the access token on the service clock; the rotated refresh token is stored (sealed) and the next refresh uses it', async () => {
    const user = 'ms-refresh';
    const authorizationUrl = await connectedAndSynced(user);
    // msal's authorization URL: the fake's authority, code + PKCE S256, offline access for a refresh token.
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${m.graph.authority}/oauth2/v2.0/authorize`);
    expect(authorizationUrl.searchParams.get('scope')!.split(' ').sort()).toEqual(['Calendars.Read', 'offline_access', 'openid', 'profile']);
    expect(authorizationUrl.searchParams.get('response_type')).toBe('code');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const refreshes = () => m.graph.requestsTo(`/${m.graph.tenant}/oauth2/v2.0/token`).map((r) => new URLSearchParams(r.body)).filter((f) => f.get('grant_type') === 'refresh_token');
    const grant = async () => openTokens(m.deps.cipher, user, microsoftProvider, await connection(user)).refreshToken;
    expect(await grant()).toContain(m.graph.refreshTokensIssued[0]!);

    m.h.clock.advance(hour);
    expect(await m.runSyncs()).toBe(1);
    expect(refreshes().map((f) => f.get('refresh_token'))).toEqual([m.graph.refreshTokensIssued[0]]);
    // Rotated: the first refresh token no longer works at the fake; the kept grant holds the second.
    const kept = await grant();
    expect(kept).toContain(m.graph.refreshTokensIssued[1]!);
    expect(kept).not.toContain(m.graph.refreshTokensIssued[0]!);
    // Sealed at rest, and no profile data kept (msal's id token, name and username are cut from its cache).
    const row = await connection(user);
    expect(Buffer.from(row.refresh_token).toString('latin1')).not.toContain(m.graph.refreshTokensIssued[1]!);
    expect(kept).not.toContain('person@example.test');
    expect(kept).not.toContain('Test Person');

    m.h.clock.advance(hour);
    expect(await m.runSyncs()).toBe(1);
    expect(refreshes().map((f) => f.get('refresh_token'))).toEqual(m.graph.refreshTokensIssued.slice(0, 2));
    expect((await connection(user)).status).toBe('active');

    // The user withdrew consent: the next refresh is refused and syncing stops until they connect again.
    m.graph.revokeGrants();
    m.h.clock.advance(hour);
    expect(await m.runSyncs()).toBe(1);
    expect((await connection(user)).status).toBe('reauth_required');
  });

  it('refreshes once and repeats the call when Graph answers 401 to a token our clock still thinks good', async () => {
    const user = 'ms-401';
    await connectedAndSynced(user);
    const tokenCalls = () => m.graph.requestsTo(`/${m.graph.tenant}/oauth2/v2.0/token`).length;
    const before = tokenCalls();
    m.graph.expireAccessTokens();
    m.graph.put({ id: 'AAMk-401', subject: 'Board call', start: at(4), end: at(5) });
    m.h.clock.advance(15 * minute);
    expect(await m.runSyncs()).toBe(1);
    expect(tokenCalls()).toBe(before + 1);
    await upserted(user, 'AAMk-401');
    expect((await connection(user)).status).toBe('active');
  });

  it('acknowledges notifications of subscriptions it does not hold, and refuses what is not a Graph notification', async () => {
    const user = 'ms-unknown-sub';
    await connectedAndSynced(user);
    const planned = (await connection(user)).sync_due_at;
    const unknown = await handleGraphWebhook(m.deps, { body: JSON.stringify({ value: [{ subscriptionId: 'gone', clientState: 'x', changeType: 'updated' }] }) });
    expect(unknown).toMatchObject({ status: 202, syncsRequested: 0 });
    expect((await connection(user)).sync_due_at).toEqual(planned);
    await expect(handleGraphWebhook(m.deps, { body: 'not json' })).rejects.toMatchObject({ reason: 'invalid_notification' });
    await expect(handleGraphWebhook(m.deps, { body: '{"value":7}' })).rejects.toMatchObject({ reason: 'invalid_notification' });
    await expect(handleGraphWebhook(m.deps, { validationToken: 'x'.repeat(5000), body: '' })).rejects.toMatchObject({ reason: 'invalid_validation_token' });
  });

  it('deletes the subscriptions at Graph when the grant is revoked (disconnect, erasure) with a freshly refreshed token', async () => {
    const user = 'ms-revoke';
    await connectedAndSynced(user);
    const [sub] = await subscriptionRows(user);
    const grant = openTokens(m.deps.cipher, user, microsoftProvider, await connection(user));
    await revokeMicrosoftGrant(m.deps.microsoft, m.deps.logger, grant, [graphSubscriptionRef(sub!.subscription_id), graphSubscriptionRef('already-gone')]);
    expect(m.graph.deletedSubscriptions).toEqual([sub!.subscription_id]);
    expect(m.graph.subscriptions.size).toBe(0);
    // A grant Microsoft no longer honours: nothing to delete with, nothing thrown (the subscriptions expire).
    m.graph.revokeGrants();
    await expect(revokeMicrosoftGrant(m.deps.microsoft, m.deps.logger, grant, [graphSubscriptionRef('x')])).resolves.toBeUndefined();
  });

  it('keeps syncing when Graph cannot validate our notification URL; the next sync tries the subscription again', async () => {
    const user = 'ms-no-webhook';
    const endpoint = m.graph.endpoint!;
    m.graph.endpoint = async () => ({ status: 503, contentType: 'text/plain', body: '' });
    await connectedAndSynced(user);
    expect(await subscriptionRows(user)).toEqual([]);
    expect(m.graph.subscriptions.size).toBe(0);
    const row = (await sql<{ sync_failures: number; sync_due_at: Date }>`select sync_failures, sync_due_at from connections where user_id = ${user}`.execute(m.deps.db)).rows[0]!;
    expect(row).toEqual({ sync_failures: 0, sync_due_at: new Date(now0.getTime() + 15 * minute) });

    m.graph.endpoint = endpoint;
    m.h.clock.advance(15 * minute);
    expect(await m.runSyncs()).toBe(1);
    expect((await subscriptionRows(user)).map((r) => r.subscription_id)).toEqual([...m.graph.subscriptions.keys()]);
  });
});
