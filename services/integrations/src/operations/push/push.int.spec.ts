import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { PushEnvironment } from '@omtobe/proto/integrations/v1';
import { PromptTransitionKind } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { logger, startHarness, topics, type Harness } from '../../../test/harness.ts';
import { apnsToken, deliveriesOf, fcmToken, publishTransition, registerAndroid, registerIos, transition } from '../../../test/push-flows.ts';
import { startPushWorker } from '../../work/push-worker.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const { BRAKE_RAISED, BRAKE_WITHDRAWN, READING_REQUESTED, REFLECTION_OPENED, REFLECTION_CLOSED } = PromptTransitionKind;

describe('pushes to phones (prompts.v1 → APNs and FCM)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      start: now0,
      env: { MOCK_PROVIDERS: 'false', PUSH_SEND_TIMEOUT_MS: '1500', PUSH_RETRY_BASE_MS: '1000', PUSH_RETRY_CAP_MS: '60000', PUSH_MAX_ATTEMPTS: '5' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('pushes a raised brake once to every device of the user: time-sensitive at APNs (both environments), high priority at FCM, nothing private', async () => {
    const [iosProd, iosSandbox, android] = [apnsToken(101), apnsToken(102), fcmToken(103)];
    await registerIos(h, 'ana', iosProd);
    await registerIos(h, 'ana', iosSandbox, PushEnvironment.SANDBOX);
    await registerAndroid(h, 'ana', android);
    const ends = new Date(now0.getTime() + 45 * minute);
    const raised = transition(h, { userId: 'ana', kind: BRAKE_RAISED, eventId: 'google:board-42', expiresAt: ends, transitionId: 'tr-ana-1' });
    await publishTransition(h, raised);
    expect((await deliveriesOf(h, 'ana')).map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);

    expect(await h.runPushes()).toBe(3);

    const [prod] = h.apns.pushesTo(iosProd);
    const [sandbox] = h.apns.pushesTo(iosSandbox);
    expect(prod!.authority).toBe('127.0.0.1');
    expect(sandbox!.authority).toBe('localhost');
    expect(prod!.headers).toMatchObject({ 'apns-topic': h.apns.topic, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-expiration': String(ends.getTime() / 1000) });
    expect(prod!.headers['apns-collapse-id']).toMatch(/^brake-[0-9a-f]+$/);
    expect(Buffer.byteLength(prod!.headers['apns-collapse-id']!)).toBeLessThanOrEqual(64);
    expect(sandbox!.headers['apns-collapse-id']).toBe(prod!.headers['apns-collapse-id']);
    expect(prod!.payload).toEqual({
      aps: { alert: { title: 'A decision moment', body: 'Does this need to be finalised now?' }, sound: 'default', 'interruption-level': 'time-sensitive' },
      kind: 'brake',
      transition_id: 'tr-ana-1',
      event_id: 'google:board-42',
      expires_at: ends.toISOString(),
    });
    const [fcm] = h.fcm.pushesTo(android);
    expect(fcm!.message).toEqual({
      token: android,
      data: { kind: 'brake', transition_id: 'tr-ana-1', event_id: 'google:board-42', expires_at: ends.toISOString() },
      notification: { title: 'A decision moment', body: 'Does this need to be finalised now?' },
      android: { priority: 'HIGH', ttl: `${45 * 60}s`, collapse_key: prod!.headers['apns-collapse-id'] },
    });
    expect((await deliveriesOf(h, 'ana')).map((d) => [d.status, d.attempts])).toEqual([['sent', 1], ['sent', 1], ['sent', 1]]);
    // Privacy: no title or HRV anywhere in what reached the push services.
    const wire = JSON.stringify([...h.apns.accepted, ...h.fcm.accepted]);
    expect(wire).not.toMatch(/board meeting|hrv|sdnn|rmssd|\bms\b/i);

    // The same transition again (a redelivery, or a copy under another event id): still one push per device.
    const before = h.apns.accepted.length + h.fcm.accepted.length;
    await publishTransition(h, raised);
    expect(await h.runPushes()).toBe(0);
    expect(h.apns.accepted.length + h.fcm.accepted.length).toBe(before);
    expect(await deliveriesOf(h, 'ana')).toHaveLength(3);
  });

  it('never delivers a brake withdrawn while its push is being retried', async () => {
    const token = apnsToken(201);
    await registerIos(h, 'ben', token);
    h.apns.answer(token, { status: 500, reason: 'InternalServerError' });
    await publishTransition(h, transition(h, { userId: 'ben', kind: BRAKE_RAISED, eventId: 'ev-ben' }));
    await h.runPushes();
    const [failed] = await deliveriesOf(h, 'ben');
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed!.last_error).toMatch(/^apns 500/);
    expect(failed!.due_at.getTime()).toBeGreaterThan(h.clock.now().getTime());

    await publishTransition(h, transition(h, { userId: 'ben', kind: BRAKE_WITHDRAWN, eventId: 'ev-ben' }));
    expect((await deliveriesOf(h, 'ben')).map((d) => d.status)).toEqual(['cancelled']);
    h.clock.advance(10 * minute);
    expect(await h.runPushes()).toBe(0);
    expect(h.apns.pushesTo(token)).toEqual([]);
    expect(h.apns.requestsFor(token)).toHaveLength(1);
  });

  it('pushes nothing for a transition that has lapsed, and expires a push whose time ran out before it went', async () => {
    const token = apnsToken(301);
    await registerIos(h, 'carla', token);
    await publishTransition(h, transition(h, { userId: 'carla', kind: BRAKE_RAISED, eventId: 'ev-past', expiresAt: new Date(h.clock.now().getTime() - 1) }));
    expect(await deliveriesOf(h, 'carla')).toEqual([]);

    await publishTransition(h, transition(h, { userId: 'carla', kind: BRAKE_RAISED, eventId: 'ev-soon', expiresAt: new Date(h.clock.now().getTime() + minute) }));
    h.clock.advance(minute);
    expect(await h.runPushes()).toBe(1);
    expect((await deliveriesOf(h, 'carla')).map((d) => d.status)).toEqual(['expired']);
    expect(h.apns.requestsFor(token)).toEqual([]);
  });

  it('removes a device APNs or FCM no longer knows (410 Unregistered, 400 BadDeviceToken, FCM UNREGISTERED)', async () => {
    const [gone, bad, android, kept] = [apnsToken(401), apnsToken(402), fcmToken(403), apnsToken(404)];
    for (const t of [gone, bad, kept]) await registerIos(h, 'dan', t);
    await registerAndroid(h, 'dan', android);
    h.apns.answer(gone, { status: 410, reason: 'Unregistered' });
    h.apns.answer(bad, { status: 400, reason: 'BadDeviceToken' });
    h.fcm.answer(android, { status: 404 });
    await publishTransition(h, transition(h, { userId: 'dan', kind: REFLECTION_OPENED }));
    await h.runPushes();
    expect((await h.client.listDevices({ userId: 'dan' })).devices.map((d) => d.token)).toEqual([kept]);
    expect((await deliveriesOf(h, 'dan')).map((d) => d.status).sort()).toEqual(['device_gone', 'device_gone', 'device_gone', 'sent']);
  });

  it('retries a 429 no earlier than its Retry-After', async () => {
    const token = fcmToken(501);
    await registerAndroid(h, 'erin', token);
    h.fcm.answer(token, { status: 429, retryAfter: '120' });
    await publishTransition(h, transition(h, { userId: 'erin', kind: BRAKE_RAISED, eventId: 'ev-erin' }));
    const refusedAt = h.clock.now().getTime();
    await h.runPushes();
    const [waiting] = await deliveriesOf(h, 'erin');
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, last_error: 'fcm 429 QUOTA_EXCEEDED' });
    expect(waiting!.due_at.getTime()).toBe(refusedAt + 120_000);
    h.clock.advance(119_000);
    expect(await h.runPushes()).toBe(0);
    expect(h.fcm.requestsFor(token)).toHaveLength(1);
    h.clock.advance(1_000);
    expect(await h.runPushes()).toBe(1);
    expect(h.fcm.pushesTo(token)).toHaveLength(1);
    expect((await deliveriesOf(h, 'erin')).map((d) => [d.status, d.attempts])).toEqual([['sent', 2]]);
  });

  it('gives up after PUSH_MAX_ATTEMPTS failures: the row is kept as a dead letter with its last error', async () => {
    const token = apnsToken(601);
    await registerIos(h, 'frank', token);
    h.apns.answer(token, ...Array.from({ length: 5 }, () => ({ status: 503, reason: 'ServiceUnavailable' })));
    await publishTransition(h, transition(h, { userId: 'frank', kind: BRAKE_RAISED, eventId: 'ev-frank', expiresAt: new Date(h.clock.now().getTime() + 60 * minute) }));
    for (let i = 0; i < 5; i += 1) {
      expect(await h.runPushes()).toBe(1);
      h.clock.advance(61_000);
    }
    expect(await h.runPushes()).toBe(0);
    expect(h.apns.requestsFor(token).map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
    expect(await deliveriesOf(h, 'frank')).toEqual([expect.objectContaining({ status: 'dead', attempts: 5, last_error: 'apns 503 ServiceUnavailable' })]);
    expect((await h.client.listDevices({ userId: 'frank' })).devices).toHaveLength(1);
  });

  it("does not let a hanging device delay another user's push", async () => {
    const [slow, fast] = [apnsToken(701), apnsToken(702)];
    await registerIos(h, 'gina', slow);
    await registerIos(h, 'hugo', fast);
    h.apns.answer(slow, 'hang');
    await publishTransition(h, transition(h, { userId: 'gina', kind: BRAKE_RAISED, eventId: 'ev-gina' }));
    const first = await h.pushes.runOnce();
    expect(first.claimed).toBe(1);
    await eventually(() => h.apns.requestsFor(slow), (r) => r.length === 1);

    await publishTransition(h, transition(h, { userId: 'hugo', kind: BRAKE_RAISED, eventId: 'ev-hugo' }));
    const startedAt = Date.now();
    const second = await h.pushes.runOnce();
    await second.settled;
    expect(second.claimed).toBe(1);
    expect(h.apns.pushesTo(fast)).toHaveLength(1);
    // Hugo's push went out while Gina's send still hung, well within its timeout.
    expect(h.pushes.inFlight()).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(1_500);

    await first.settled;
    const [timedOut] = await deliveriesOf(h, 'gina');
    expect(timedOut).toMatchObject({ status: 'pending', attempts: 1 });
    expect(timedOut!.last_error).toMatch(/timeout/);
    h.apns.releaseHanging();
  });

  it('asks for a reading with a silent background push (and no alert)', async () => {
    const [ios, android] = [apnsToken(801), fcmToken(802)];
    await registerIos(h, 'ivy', ios);
    await registerAndroid(h, 'ivy', android);
    await publishTransition(h, transition(h, { userId: 'ivy', kind: READING_REQUESTED, eventId: 'ev-ivy', transitionId: 'tr-ivy' }));
    await h.runPushes();
    const [apns] = h.apns.pushesTo(ios);
    expect(apns!.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(apns!.headers['apns-collapse-id']).toBeUndefined();
    expect(apns!.payload.aps).toEqual({ 'content-available': 1 });
    expect(apns!.payload).toMatchObject({ kind: 'reading', transition_id: 'tr-ivy', event_id: 'ev-ivy' });
    const [fcm] = h.fcm.pushesTo(android);
    expect(fcm!.message.notification).toBeUndefined();
    expect(fcm!.message.android).toMatchObject({ priority: 'NORMAL' });
    expect(fcm!.message.data).toMatchObject({ kind: 'reading', transition_id: 'tr-ivy' });
  });

  it('pushes an opened reflection at normal priority, and cancels it when the reflection closes first', async () => {
    const token = apnsToken(901);
    await registerIos(h, 'jo', token);
    await publishTransition(h, transition(h, { userId: 'jo', kind: REFLECTION_OPENED }));
    await h.runPushes();
    expect(h.apns.pushesTo(token).map((p) => [p.headers['apns-push-type'], p.headers['apns-priority'], p.payload.kind])).toEqual([['alert', '5', 'reflection']]);

    h.apns.answer(token, { status: 500, reason: 'InternalServerError' });
    await publishTransition(h, transition(h, { userId: 'jo', kind: REFLECTION_OPENED }));
    await h.runPushes();
    await publishTransition(h, transition(h, { userId: 'jo', kind: REFLECTION_CLOSED }));
    expect((await deliveriesOf(h, 'jo')).map((d) => d.status)).toEqual(['sent', 'cancelled']);
  });

  it("erasure removes the user's devices and pending pushes, and a late transition of the erased registration pushes nothing", async () => {
    const registeredAt = new Date(now0.getTime() - 86_400_000);
    const token = apnsToken(1001);
    await registerIos(h, 'kim', token);
    h.apns.answer(token, { status: 500, reason: 'InternalServerError' });
    await publishTransition(h, transition(h, { userId: 'kim', kind: BRAKE_RAISED, eventId: 'ev-kim', registeredAt }));
    await h.runPushes();
    expect(await deliveriesOf(h, 'kim')).toHaveLength(1);

    await h.deliver(topics.users, 'kim', UserDeletedSchema, create(UserDeletedSchema, { userId: 'kim', deletedAt: timestampFromDate(h.clock.now()), registeredAt: timestampFromDate(registeredAt) }));
    expect(await deliveriesOf(h, 'kim')).toEqual([]);
    const devices = await sql<{ n: number }>`select count(*)::int as n from devices where user_id = 'kim'`.execute(h.deps.db);
    expect(devices.rows[0]!.n).toBe(0);

    const late = await publishTransition(h, transition(h, { userId: 'kim', kind: BRAKE_RAISED, eventId: 'ev-kim-2', registeredAt }));
    expect(late.erased).toBe(true);
    h.clock.advance(10 * minute);
    await h.runPushes();
    expect(h.apns.pushesTo(token)).toEqual([]);
  });

  it('the push worker sends at once when woken, without waiting for its interval', async () => {
    const token = fcmToken(1101);
    await registerAndroid(h, 'lea', token);
    const worker = startPushWorker(h.pushes, { intervalMs: 3_600_000, logger });
    try {
      await publishTransition(h, transition(h, { userId: 'lea', kind: BRAKE_RAISED, eventId: 'ev-lea' }));
      worker.wake();
      await eventually(() => h.fcm.pushesTo(token), (p) => p.length === 1, 5_000);
    } finally {
      await worker.stop();
    }
  });
});
