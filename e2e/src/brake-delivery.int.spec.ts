// Issue 13's "must show", through the whole stack: the four services as processes (supervised, so a killed one
// comes back), the run's PostgreSQL and broker, HTTP from outside, and the real APNs and FCM clients inside
// integrations talking to local fakes of Apple's and Google's push services. What reaches a phone is what the
// fakes accepted; development controls move the clock and the cycle.
//
// "Nothing more arrived" is asserted only after a settle signal, never after a sleep: the user's state is read
// (GET /state does the user's due time-driven work first, so every transition up to now is committed), then a
// sentinel user is made to produce a push through the same pipeline (event → state engine → prompts.v1 →
// integrations → fake APNs) and that push is waited for.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually } from '@omtobe/testing';
import { FakeApns, FakeFcm, type ApnsPushRecord, type FcmPushRecord } from '@omtobe/testing/fakes';
import { AppClient, type Json } from './support/app-client.ts';
import { SseClient } from './support/sse-client.ts';
import { afternoonZone } from './support/zones.ts';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;


/** The zone's offset from UTC at an instant, in minutes (New York in winter: −300). */
function offsetMinutes(tz: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')!.value;
  const match = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** The instant a local wall-clock time happens in the zone (for times that exist that day). */
function localInstant(tz: string, date: { y: number; m: number; d: number }, h: number, min = 0): Date {
  const wall = Date.UTC(date.y, date.m - 1, date.d, h, min);
  let guess = wall - offsetMinutes(tz, new Date(wall)) * minute;
  guess = wall - offsetMinutes(tz, new Date(guess)) * minute;
  return new Date(guess);
}

/** The first local date after `from` on which the zone's offset changes (a DST change). */
function nextOffsetChange(tz: string, from: Date): { y: number; m: number; d: number } {
  for (let k = 2; k < 400; k += 1) {
    const noon = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + k, 12));
    if (offsetMinutes(tz, noon) !== offsetMinutes(tz, new Date(noon.getTime() - day))) return { y: noon.getUTCFullYear(), m: noon.getUTCMonth() + 1, d: noon.getUTCDate() };
  }
  throw new Error(`${tz} has no offset change within a year`);
}

/** A 64-hex-digit APNs device token, distinct per seed. */
const apnsToken = (seed: number) => (seed.toString(16).padStart(8, '0') + 'c0'.repeat(28)).slice(0, 64);
const fcmToken = (seed: number) => `fcm-${seed}:APA91b${'q'.repeat(40)}_${seed}`;

/** What a push may carry besides `aps` (APNs) or as `data` (FCM): nothing that identifies the meeting or the body. */
const customKeys = (kind: string) => (kind === 'reflection' ? ['expires_at', 'kind', 'transition_id'] : ['event_id', 'expires_at', 'kind', 'transition_id']);

describe('prompts delivered to phones, end to end', () => {
  let stack: RunningTestStack;
  let apns: FakeApns;
  let fcm: FakeFcm;
  let sentinel: AppClient;
  const sentinelToken = apnsToken(999);
  const tz = afternoonZone(new Date());
  const streams: SseClient[] = [];

  const devNow = async (client: AppClient) => new Date((await client.ok('GET', '/api/v1/dev/time')).now as string);
  const devOffsetMs = async (client: AppClient) => ((await client.ok('GET', '/api/v1/dev/time')).offset_minutes as number) * minute;

  /** A user registered in `timezone` with an iPhone and an Android phone; their tokens. */
  async function user(name: string, seed: number, timezone = tz, iosEnvironment: 'sandbox' | 'production' = 'sandbox') {
    const client = new AppClient(stack.gatewayUrl);
    await client.login(`${name}-${randomUUID().slice(0, 6)}`);
    expect((await client.send('POST', '/api/v1/users', { email: `${name}@example.com`, timezone })).status).toBe(201);
    const ios = await client.send('POST', '/api/v1/devices', { platform: 'ios', token: apnsToken(seed), environment: iosEnvironment });
    const android = await client.send('POST', '/api/v1/devices', { platform: 'android', token: fcmToken(seed) });
    expect([ios.status, android.status]).toEqual([201, 201]);
    await mockReading(client);
    return { client, ios: apnsToken(seed), android: fcmToken(seed) };
  }

  /**
   * The development mock stream gives every user one synthetic reading at integrations' first worker tick after
   * they are known (and none after, with MOCK_HRV_INTERVAL_MINUTES this large): waited for, so it lands before
   * what a test uploads rather than in the middle of it.
   */
  async function mockReading(client: AppClient) {
    await eventually(() => client.ok('GET', '/api/v1/state'), (s) => typeof s.hrv_current === 'number', 20_000);
  }

  /** Two days of HealthKit SDNN around 50 ms every 3 hours, the last 3 hours old (a baseline, and a stale reading). */
  async function uploadHistory(client: AppClient) {
    const now = (await devNow(client)).getTime();
    const samples = Array.from({ length: 16 }, (_, i) => sample(new Date(now - 2 * day + i * 3 * hour), 48 + (i % 5)));
    const upload = await client.ok('POST', '/api/v1/hrv/samples', { samples });
    expect((upload.results as Json[]).map((r) => r.outcome)).toEqual(samples.map(() => 'accepted'));
  }

  function sample(end: Date, value: number) {
    return { uuid: randomUUID(), start: new Date(end.getTime() - minute).toISOString(), end: end.toISOString(), value, unit: 'ms', source_device: 'Apple Watch' };
  }

  async function uploadSample(client: AppClient, value: number) {
    const upload = await client.ok('POST', '/api/v1/hrv/samples', { samples: [sample(new Date((await devNow(client)).getTime() - 100), value)] });
    expect((upload.results as Json[]).map((r) => r.outcome)).toEqual(['accepted']);
  }

  /**
   * An ordinary fresh reading, known to the state engine before the test goes on (samples and events travel on
   * different topics). Uploaded again should the mock stream's synthetic reading land after it (see mockReading).
   */
  async function freshReading(client: AppClient, value: number) {
    let measuredAt = '';
    await eventually(
      async () => {
        const state = await client.ok('GET', '/api/v1/state');
        if (state.hrv_current === value && state.hrv_measured_at === measuredAt) return true;
        if (!measuredAt || (state.hrv_measured_at as string) > measuredAt) {
          const at = new Date((await devNow(client)).getTime() - 100);
          await client.ok('POST', '/api/v1/hrv/samples', { samples: [sample(at, value)] });
          measuredAt = at.toISOString();
        }
        return false;
      },
      Boolean,
    );
  }

  /**
   * Waits until everything the users' transitions up to now could push has been pushed: their time-driven work is
   * done (GET /state), then a sentinel's reading request (a new meeting, no reading) goes all the way to the fake APNs.
   */
  async function settle(...clients: AppClient[]) {
    for (const client of clients) await client.ok('GET', '/api/v1/state');
    const before = apns.pushesTo(sentinelToken).length;
    await sentinel.ok('POST', '/api/v1/dev/cycle-day', { day: 4 });
    await sentinel.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Board sync', duration_minutes: 30 });
    await eventually(() => apns.pushesTo(sentinelToken).length, (n) => n > before, 30_000);
  }

  const waitForApns = (token: string, count: number) => eventually(() => apns.pushesTo(token), (p) => p.length >= count, 30_000);
  const waitForFcm = (token: string, count: number) => eventually(() => fcm.pushesTo(token), (p) => p.length >= count, 30_000);
  const kinds = (pushes: Array<ApnsPushRecord | FcmPushRecord>) => pushes.map((p) => ('payload' in p ? p.payload.kind : (p.message.data as Json).kind));

  function expectBrakeOnIphone(push: ApnsPushRecord, eventId: string, eventEnd: string) {
    expect(push.headers).toMatchObject({ 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-topic': apns.topic, 'apns-expiration': String(Math.floor(Date.parse(eventEnd) / 1000)) });
    expect(push.headers['apns-collapse-id']).toMatch(/^brake-[0-9a-f]{24}$/);
    expect(Object.keys(push.payload).sort()).toEqual(['aps', ...customKeys('brake')].sort());
    expect(push.payload).toMatchObject({ kind: 'brake', event_id: eventId, expires_at: eventEnd });
    expect(push.payload.aps).toEqual({ alert: { title: 'A decision moment', body: 'Does this need to be finalised now?' }, sound: 'default', 'interruption-level': 'time-sensitive' });
  }

  function expectBrakeOnAndroid(push: FcmPushRecord, eventId: string, eventEnd: string) {
    expect(Object.keys(push.message).sort()).toEqual(['android', 'data', 'notification', 'token']);
    expect(Object.keys(push.message.data as Json).sort()).toEqual(customKeys('brake'));
    expect(push.message.data).toMatchObject({ kind: 'brake', event_id: eventId, expires_at: eventEnd });
    expect(push.message.notification).toEqual({ title: 'A decision moment', body: 'Does this need to be finalised now?' });
    expect(push.message.android).toMatchObject({ priority: 'HIGH', collapse_key: expect.stringMatching(/^brake-/) });
  }

  beforeAll(async () => {
    [apns, fcm] = await Promise.all([FakeApns.start(), FakeFcm.start()]);
    stack = await startTestStack(
      {
        // Quiet mock providers: only what the tests upload and inject exists.
        MOCK_HRV_BACKFILL_DAYS: '0',
        MOCK_HRV_INTERVAL_MINUTES: '10000000',
        MOCK_CALENDAR_DAYS: '0',
        DUE_WORK_INTERVAL_MS: '100',
        PUSH_POLL_INTERVAL_MS: '200',
        ...apns.env(),
        ...fcm.env(),
      },
      { restart: { initialDelayMs: 200, maxDelayMs: 1_000 } },
    );
    sentinel = new AppClient(stack.gatewayUrl);
    await sentinel.login('sentinel');
    expect((await sentinel.send('POST', '/api/v1/users', { email: 'sentinel@example.com', timezone: tz })).status).toBe(201);
    expect((await sentinel.send('POST', '/api/v1/devices', { platform: 'ios', token: sentinelToken, environment: 'production' })).status).toBe(201);
    // The sentinel's only reading (the mock's) goes stale for good: each meeting it is given asks for a reading.
    await mockReading(sentinel);
    await sentinel.ok('POST', '/api/v1/dev/advance-time', { minutes: 61 });
    await settle();
  }, 120_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await stack?.stop();
    await Promise.all([apns?.close(), fcm?.close()]);
  });

  it(`pushes one brake per phone for an HRV drop in a running meeting on Day 4 (${tz}); Delay silences it for 20 minutes, Proceed for good; an ending event withdraws without a push`, async () => {
    const alice = await user('alice', 1);
    await uploadHistory(alice.client);
    expect((await alice.client.ok('POST', '/api/v1/dev/cycle-day', { day: 4 })).current_day).toBe(4);
    const stream = new SseClient(`${stack.gatewayUrl}/api/v1/state/stream`, alice.client.accessToken);
    streams.push(stream);
    await stream.started();
    // A fresh, ordinary reading first (so the meeting asks for no reading), then the meeting, then the drop.
    await freshReading(alice.client, 50);
    const title = 'Board Review Nightingale';
    const board = await alice.client.ok('POST', '/api/v1/dev/high-stakes-event', { title, duration_minutes: 90 });
    const boardId = board.event_id as string;
    const boardEnd = board.ends_at as string;
    await uploadSample(alice.client, 31.7);

    const [iphone] = await waitForApns(alice.ios, 1);
    const [android] = await waitForFcm(alice.android, 1);
    expectBrakeOnIphone(iphone!, boardId, boardEnd);
    expect(iphone!.authority).toBe('localhost'); // a sandbox registration goes to the sandbox host
    expectBrakeOnAndroid(android!, boardId, boardEnd);
    expect((android!.message.data as Json).transition_id).toBe(iphone!.payload.transition_id);
    for (const text of [JSON.stringify(iphone), JSON.stringify(android)]) {
      for (const secret of ['Nightingale', 'Board', 'Review', '31.7', '31,7']) expect(text).not.toContain(secret);
    }
    expect(await alice.client.ok('POST', '/api/v1/state/check')).toMatchObject({ should_display: true, event_id: boardId, current_day: 4 });
    await settle(alice.client);
    expect([apns.pushesTo(alice.ios).length, fcm.pushesTo(alice.android).length]).toEqual([1, 1]);

    // Delay: nothing while cooling runs (19 minutes on), the brake again when it ends (20 minutes), from the
    // engine's due-work loop alone (nobody reads the state in between).
    const delay = await alice.client.ok('POST', '/api/v1/decisions', { decision_type: 'Delay' }, { 'idempotency-key': randomUUID() });
    expect(delay).toMatchObject({ next_action: 'cooling_period_activated' });
    await alice.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 19 });
    await settle(alice.client);
    expect([apns.pushesTo(alice.ios).length, fcm.pushesTo(alice.android).length]).toEqual([1, 1]);
    await alice.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 1 });
    const again = (await waitForApns(alice.ios, 2))[1]!;
    const againAndroid = (await waitForFcm(alice.android, 2))[1]!;
    expectBrakeOnIphone(again, boardId, boardEnd);
    expectBrakeOnAndroid(againAndroid, boardId, boardEnd);
    expect(again.payload.transition_id).not.toBe(iphone!.payload.transition_id);
    expect(again.headers['apns-collapse-id']).toBe(iphone!.headers['apns-collapse-id']); // replaces the one shown
    await settle(alice.client);
    expect([apns.pushesTo(alice.ios).length, fcm.pushesTo(alice.android).length]).toEqual([2, 2]);

    // Proceed: no more pushes for that meeting, though it runs on and the reading is still low and fresh.
    expect(await alice.client.ok('POST', '/api/v1/decisions', { decision_type: 'Proceed' })).toMatchObject({ next_action: 'decision_locked' });
    await alice.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 10 });
    await settle(alice.client);
    expect([apns.pushesTo(alice.ios).length, fcm.pushesTo(alice.android).length]).toEqual([2, 2]);

    // A second meeting brakes (one push each), and its end withdraws the brake: a transition, no push.
    const second = await alice.client.ok('POST', '/api/v1/dev/high-stakes-event', { title: '!Sign the term sheet', duration_minutes: 5 });
    const third = (await waitForApns(alice.ios, 3))[2]!;
    expectBrakeOnIphone(third, second.event_id as string, second.ends_at as string);
    await waitForFcm(alice.android, 3);
    await alice.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 5 });
    const withdrawn = await eventually(
      () => stream.transitions().find((t) => t.data.kind === 'brake_withdrawn' && (t.data.event as Json | null)?.id === second.event_id),
      Boolean,
      30_000,
    );
    expect(withdrawn!.data).toMatchObject({ withdrawn_reason: 'no_high_stakes_event', prompt: { kind: 'none' } });
    expect((await alice.client.ok('GET', '/api/v1/state')).prompt).toMatchObject({ kind: 'none', event: null });
    await settle(alice.client);
    expect(kinds(apns.pushesTo(alice.ios))).toEqual(['brake', 'brake', 'brake']);
    expect(kinds(fcm.pushesTo(alice.android))).toEqual(['brake', 'brake', 'brake']);
    expect(apns.pushesTo(alice.ios).map((p) => p.payload.event_id)).toEqual([boardId, boardId, second.event_id]);
    // The stream told the whole story in order, each change once.
    expect(stream.transitions().map((t) => [t.data.kind, (t.data.event as Json | null)?.id])).toEqual([
      ['brake_raised', boardId],
      ['brake_withdrawn', boardId],
      ['brake_raised', boardId],
      ['brake_withdrawn', boardId],
      ['brake_raised', second.event_id],
      ['brake_withdrawn', second.event_id],
    ]);
    stream.close();
  }, 120_000);

  it('asks once, silently, for a fresh reading when a meeting starts on Day 4 with a stale one', async () => {
    const bob = await user('bob', 2);
    await uploadHistory(bob.client); // the latest uploaded sample is 3 hours old
    await bob.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 61 }); // and the mock's first one is now stale too
    expect((await bob.client.ok('POST', '/api/v1/dev/cycle-day', { day: 4 })).current_day).toBe(4);
    await settle(bob.client);
    expect([apns.pushesTo(bob.ios).length, fcm.pushesTo(bob.android).length]).toEqual([0, 0]);

    const board = await bob.client.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Negotiation with Northwind', duration_minutes: 45 });
    const [iphone] = await waitForApns(bob.ios, 1);
    const [android] = await waitForFcm(bob.android, 1);
    expect(iphone!.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(iphone!.headers['apns-collapse-id']).toBeUndefined();
    expect(iphone!.payload).toEqual({ aps: { 'content-available': 1 }, kind: 'reading', transition_id: expect.any(String), event_id: board.event_id, expires_at: board.ends_at });
    expect(Object.keys(android!.message).sort()).toEqual(['android', 'data', 'token']); // data only: nothing shown
    expect(android!.message.data).toEqual({ kind: 'reading', transition_id: iphone!.payload.transition_id, event_id: board.event_id, expires_at: board.ends_at });
    expect(android!.message.android).toMatchObject({ priority: 'NORMAL' });
    expect(JSON.stringify([iphone, android])).not.toContain('Northwind');

    // Asked once: not again as the meeting runs on with the reading still stale (and no brake without a fresh one).
    await bob.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 5 });
    await settle(bob.client);
    expect([kinds(apns.pushesTo(bob.ios)), kinds(fcm.pushesTo(bob.android))]).toEqual([['reading'], ['reading']]);

    // The export lists both deliveries as sent (the console's pushes list reads it): the kind and event id, no title.
    const exported = await bob.client.ok('GET', '/api/v1/me/export');
    const deliveries = (exported.integrations as { push_deliveries: Array<Record<string, unknown>> }).push_deliveries;
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d).toMatchObject({ kind: 'reading', status: 'sent', attempts: 1, event_id: board.event_id, transition_id: iphone!.payload.transition_id, last_error: null });
    }
    expect(JSON.stringify(deliveries)).not.toContain('Northwind');
  }, 60_000);

  it.each(['state-engine', 'integrations'] as const)('loses no brake and pushes none twice when %s is killed (SIGKILL) right after the drop is uploaded', async (service) => {
    const carol = await user(`carol-${service}`, service === 'state-engine' ? 3 : 4, tz, 'production');
    await uploadHistory(carol.client);
    expect((await carol.client.ok('POST', '/api/v1/dev/cycle-day', { day: 4 })).current_day).toBe(4);
    await freshReading(carol.client, 50);
    const board = await carol.client.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Board', duration_minutes: 60 });
    await settle(carol.client);
    expect([apns.pushesTo(carol.ios).length, fcm.pushesTo(carol.android).length]).toEqual([0, 0]);

    const restarts = stack.group.restarts(service);
    const child = stack.group.child(service)!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await uploadSample(carol.client, 30);
    expect(child.kill('SIGKILL')).toBe(true);
    await exited;
    // Killed before the push could go out: what arrives later was owed across the crash.
    expect([apns.pushesTo(carol.ios).length, fcm.pushesTo(carol.android).length]).toEqual([0, 0]);
    await eventually(() => stack.group.restarts(service), (n) => n === restarts + 1, 10_000);

    const [iphone] = await waitForApns(carol.ios, 1);
    const [android] = await waitForFcm(carol.android, 1);
    expectBrakeOnIphone(iphone!, board.event_id as string, board.ends_at as string);
    expect(iphone!.authority).toBe('127.0.0.1'); // production registration, production host
    expectBrakeOnAndroid(android!, board.event_id as string, board.ends_at as string);
    await settle(carol.client);
    expect([apns.pushesTo(carol.ios).length, fcm.pushesTo(carol.android).length]).toEqual([1, 1]);
    expect(apns.requestsFor(carol.ios).length).toBe(1);
    expect(fcm.requestsFor(carol.android).length).toBe(1);
  }, 90_000);

  // Last: the development clock only moves forward, and this moves it months ahead.
  it('opens the reflection with a push at 09:00 local on Day 7, on the day New York springs forward, not before', async () => {
    const zone = 'America/New_York';
    const change = nextOffsetChange(zone, await devNow(sentinel));
    const opensAt = localInstant(zone, change, 9);
    const dayEnd = localInstant(zone, { ...change, d: change.d + 1 }, 0);
    // The day really changes offset before 09:00: a reflection timed with the day's first offset would be an hour off.
    expect(offsetMinutes(zone, opensAt)).not.toBe(offsetMinutes(zone, localInstant(zone, change, 0)));

    for (let left = opensAt.getTime() - 10 * minute - (await devNow(sentinel)).getTime(); left > 0; left -= 60 * day) {
      await sentinel.ok('POST', '/api/v1/dev/advance-time', { minutes: Math.min(left, 60 * day) / minute });
    }
    await sentinel.login('sentinel'); // tokens are minted and checked on the development clock: months later they have expired
    const dora = await user('dora', 5, zone);
    expect(await dora.client.ok('POST', '/api/v1/dev/cycle-day', { day: 7 })).toMatchObject({ current_day: 7 });
    const day7 = await dora.client.ok('GET', '/api/v1/state');
    expect(day7).toMatchObject({ current_day: 7, phase: 'Reflection', should_display_reflection: false, reflection_opens_at: opensAt.toISOString() });

    // A minute before 09:00: nothing.
    await dora.client.ok('POST', '/api/v1/dev/advance-time', { minutes: (opensAt.getTime() - minute - (await devNow(dora.client)).getTime()) / minute });
    await settle(dora.client);
    expect([apns.pushesTo(dora.ios).length, fcm.pushesTo(dora.android).length]).toEqual([0, 0]);

    // 09:00 (and a minute): the reflection push, from the due-work loop.
    await dora.client.ok('POST', '/api/v1/dev/advance-time', { minutes: 2 });
    const [iphone] = await waitForApns(dora.ios, 1);
    const [android] = await waitForFcm(dora.android, 1);
    expect(iphone!.at + (await devOffsetMs(dora.client))).toBeGreaterThanOrEqual(opensAt.getTime());
    expect(iphone!.headers).toMatchObject({ 'apns-push-type': 'alert', 'apns-priority': '5', 'apns-expiration': String(Math.floor(dayEnd.getTime() / 1000)) });
    expect(iphone!.payload).toEqual({
      aps: { alert: { title: 'Your week', body: 'In the past 7 days, did pausing help?' }, 'interruption-level': 'active' },
      kind: 'reflection',
      transition_id: expect.any(String),
      expires_at: dayEnd.toISOString(),
    });
    expect(Object.keys(android!.message.data as Json).sort()).toEqual(customKeys('reflection'));
    expect(android!.message).toMatchObject({ notification: { title: 'Your week' }, android: { priority: 'NORMAL' }, data: { kind: 'reflection', expires_at: dayEnd.toISOString() } });
    await settle(dora.client);
    expect([kinds(apns.pushesTo(dora.ios)), kinds(fcm.pushesTo(dora.android))]).toEqual([['reflection'], ['reflection']]);
  }, 90_000);
});
