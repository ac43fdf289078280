import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { HighStakesEventRemovedSchema } from '@omtobe/proto/integrations/v1';
import { BrakeReason, Decision, NextAction, Phase, ReflectionResponse } from '@omtobe/proto/state-engine/v1';
import { refusal } from '@omtobe/testing';
import { meeting, minute, day, register, sample, seedBaseline, seedBrakingUser } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { publishedFor } from '../../test/published.ts';

// 15:30 in New York on Friday 2026-03-06 (EST, UTC−5). Every test starts here; cycle.int.spec crosses the DST
// change of Sunday 2026-03-08.
const now0 = new Date('2026-03-06T20:30:00Z');

describe('state engine: events in, state and answers out', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started), { resetClock: true });

  it('reproduces the seed: 35.2 ms against a 50.1 ms baseline on Day 4 in a Board Meeting brakes; Delay cools for 20 minutes', async () => {
    await seedBrakingUser(h, 'seed-user');
    const first = await h.client.checkBrake({ userId: 'seed-user' });
    expect(first.shouldDisplay).toBe(true);
    expect(first.event?.title).toBe('Board Meeting');
    expect(first.currentDay).toBe(4);
    expect(first.phase).toBe(Phase.INTERVENTION_LOGIC);
    expect(first.hrvCurrent?.valueMs).toBe(35.2);
    expect(first.hrvBaseline?.meanMs).toBeCloseTo(50.1, 6);
    expect(first.hrvBaseline?.sampleCount).toBe(4);

    const delay = await h.client.submitDecision({ userId: 'seed-user', decision: Decision.DELAY, idempotencyKey: 'k-delay' });
    expect(delay.nextAction).toBe(NextAction.COOLING_PERIOD_ACTIVATED);
    expect(timestampDate(delay.reTriggerTime!).getTime() - h.clock.now().getTime()).toBe(20 * minute);
    expect(delay.cycleDay).toBe(4);

    const cooling = await h.client.checkBrake({ userId: 'seed-user' });
    expect(cooling.shouldDisplay).toBe(false);
    expect(cooling.reason).toBe(BrakeReason.COOLING);
    h.clock.advance(20 * minute - 1);
    expect((await h.client.checkBrake({ userId: 'seed-user' })).reason).toBe(BrakeReason.COOLING);
    h.clock.advance(1);
    const again = await h.client.checkBrake({ userId: 'seed-user' });
    expect(again.shouldDisplay).toBe(true);

    const proceed = await h.client.submitDecision({ userId: 'seed-user', decision: Decision.PROCEED, idempotencyKey: 'k-proceed' });
    expect(proceed.nextAction).toBe(NextAction.DECISION_LOCKED);
    const locked = await h.client.checkBrake({ userId: 'seed-user' });
    expect(locked.reason).toBe(BrakeReason.LOCKED_FOR_EVENT);
    expect(locked.decisionLocked).toBe(true);

    // A retry with the same key gets the same answer and records nothing more.
    const retried = await h.client.submitDecision({ userId: 'seed-user', decision: Decision.DELAY, idempotencyKey: 'k-delay' });
    expect(retried.decisionId).toBe(delay.decisionId);
    const { decisions } = await publishedFor(h, 'seed-user');
    expect(decisions.map((d) => [d.decision, d.cycleDay, d.decisionId])).toEqual([
      [Decision.DELAY, 4, delay.decisionId],
      [Decision.PROCEED, 4, proceed.decisionId],
    ]);
  });

  it('records exactly one of two concurrent answers to one brake', async () => {
    await seedBrakingUser(h, 'race-user');
    expect((await h.client.checkBrake({ userId: 'race-user' })).shouldDisplay).toBe(true);
    const results = await Promise.allSettled([
      h.client.submitDecision({ userId: 'race-user', decision: Decision.DELAY, idempotencyKey: 'a' }),
      h.client.submitDecision({ userId: 'race-user', decision: Decision.PROCEED, idempotencyKey: 'b' }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    expect([fulfilled.length, rejected.length]).toEqual([1, 1]);
    expect(await refusal(Promise.reject(rejected[0]!.reason))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'no_pending_brake',
    });
    // Settled: nothing left in the outbox, the topic read to its end.
    const { decisions } = await publishedFor(h, 'race-user');
    expect(decisions.map((d) => d.decisionId)).toEqual([fulfilled[0]!.value.decisionId]);
  });

  it('refuses a decision without a pending brake, and a reflection outside its window', async () => {
    await register(h, 'quiet-user', h.clock.now());
    expect(await refusal(h.client.submitDecision({ userId: 'quiet-user', decision: Decision.DELAY, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'no_pending_brake',
    });
    expect(await refusal(h.client.submitReflection({ userId: 'quiet-user', response: ReflectionResponse.YES, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'reflection_not_open',
    });
    expect(await refusal(h.client.checkBrake({ userId: 'nobody' }))).toEqual({ code: Code.NotFound, reason: 'unknown_user' });
  });

  it('refuses an idempotency key used again for a different request, and records nothing for it', async () => {
    await seedBrakingUser(h, 'key-user');
    expect((await h.client.checkBrake({ userId: 'key-user' })).shouldDisplay).toBe(true);
    const delay = await h.client.submitDecision({ userId: 'key-user', decision: Decision.DELAY, idempotencyKey: 'same-key' });
    h.clock.advance(20 * minute);
    expect((await h.client.checkBrake({ userId: 'key-user' })).shouldDisplay).toBe(true);
    expect(await refusal(h.client.submitDecision({ userId: 'key-user', decision: Decision.PROCEED, idempotencyKey: 'same-key' }))).toEqual({
      code: Code.InvalidArgument,
      reason: 'idempotency_key_reused',
    });
    // The brake is still pending: the refused request changed nothing.
    expect((await h.client.getState({ userId: 'key-user' })).pendingBrakeEvent?.eventId).toBe('key-user-board');
    expect((await publishedFor(h, 'key-user')).decisions.map((d) => d.decisionId)).toEqual([delay.decisionId]);
  });

  it('refuses a decision once the event has ended, or has been moved so that it is not running', async () => {
    await seedBrakingUser(h, 'ended-user');
    expect((await h.client.checkBrake({ userId: 'ended-user' })).shouldDisplay).toBe(true);
    h.clock.advance(80 * minute); // the 90-minute meeting began 10 minutes before
    expect(await refusal(h.client.submitDecision({ userId: 'ended-user', decision: Decision.PROCEED, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'no_pending_brake',
    });

    await seedBrakingUser(h, 'moved-user');
    expect((await h.client.checkBrake({ userId: 'moved-user' })).shouldDisplay).toBe(true);
    // The meeting is moved to start in two hours: the brake was shown for a moment that is no longer now.
    await meeting(h, 'moved-user', 'moved-user-board', 'Board Meeting', new Date(h.clock.now().getTime() + 120 * minute), 60);
    expect((await h.client.getState({ userId: 'moved-user' })).pendingBrakeEvent).toBeUndefined();
    expect(await refusal(h.client.submitDecision({ userId: 'moved-user', decision: Decision.DELAY, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'no_pending_brake',
    });
    expect((await publishedFor(h, 'ended-user')).decisions).toEqual([]);
    expect((await publishedFor(h, 'moved-user')).decisions).toEqual([]);
  });

  it('answers a brake only on the cycle day it was shown, and logs that day', async () => {
    // 23:55 on Day 5 in New York, a meeting running across midnight.
    const lateOnDay5 = new Date('2026-03-07T04:55:00Z');
    for (const userId of ['late-user', 'in-time-user']) {
      h.clock.set(lateOnDay5);
      await register(h, userId, new Date(lateOnDay5.getTime() - 4 * day));
      await seedBaseline(h, userId, lateOnDay5);
      await sample(h, userId, `${userId}-now`, 35.2, new Date(lateOnDay5.getTime() - 5 * minute));
      await meeting(h, userId, `${userId}-board`, 'Board Meeting', new Date(lateOnDay5.getTime() - 25 * minute), 60);
      expect(await h.client.checkBrake({ userId })).toMatchObject({ shouldDisplay: true, currentDay: 5 });
    }
    h.clock.set(new Date(lateOnDay5.getTime() + 4 * minute)); // 23:59, still Day 5
    expect((await h.client.submitDecision({ userId: 'in-time-user', decision: Decision.DELAY, idempotencyKey: '' })).cycleDay).toBe(5);

    h.clock.set(new Date(lateOnDay5.getTime() + 10 * minute)); // 00:05 on Day 6: a day without brakes
    expect((await h.client.getState({ userId: 'late-user' })).pendingBrakeEvent).toBeUndefined();
    expect(await refusal(h.client.submitDecision({ userId: 'late-user', decision: Decision.DELAY, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'no_pending_brake',
    });
    expect((await h.client.checkBrake({ userId: 'late-user' })).reason).toBe(BrakeReason.PREPARATION_PHASE);
    expect((await publishedFor(h, 'late-user')).decisions).toEqual([]);
    expect((await publishedFor(h, 'in-time-user')).decisions.map((d) => d.cycleDay)).toEqual([5]);
  });

  it('gives a replayed event no second effect', async () => {
    await register(h, 'replay-user', h.clock.now());
    const start = h.clock.now();
    const first = await meeting(h, 'replay-user', 'ev-1', 'Negotiation', start, 60);
    await h.deliver(topics.calendar, 'replay-user', HighStakesEventRemovedSchema, create(HighStakesEventRemovedSchema, { userId: 'replay-user', eventId: 'ev-1' }));
    const replay = await meeting(h, 'replay-user', 'ev-1', 'Negotiation', start, 60, first.eventId);
    expect(replay.duplicate).toBe(true);
    const state = await h.client.getState({ userId: 'replay-user' });
    expect(state.upcomingEvents).toEqual([]);
  });

  it("GetState lists what runs now or starts before the user's next local midnight, and the pending brake's event (raised by the drop, before any check)", async () => {
    await seedBrakingUser(h, 'today-user');
    const now = h.clock.now();
    // 15:30 in New York: the next local midnight is 05:00 UTC.
    const midnight = new Date('2026-03-07T05:00:00Z');
    await meeting(h, 'today-user', 'ended', 'Earlier Review', new Date(now.getTime() - 90 * minute), 60);
    await meeting(h, 'today-user', 'tonight', 'Late Negotiation', new Date(midnight.getTime() - 30 * minute), 30);
    await meeting(h, 'today-user', 'at-midnight', 'Midnight Launch', midnight, 30);
    await meeting(h, 'today-user', 'tomorrow', 'Board Prep', new Date(midnight.getTime() + 10 * 60 * minute), 60);

    const before = await h.client.getState({ userId: 'today-user' });
    expect(before.upcomingEvents.map((e) => e.eventId)).toEqual(['today-user-board', 'tonight']);
    // The drop during the running meeting raised the brake (and pushed it): it waits for an answer already.
    expect(before.pendingBrakeEvent?.eventId).toBe('today-user-board');
    expect(before.pendingBrakeEvent?.title).toBe('Board Meeting');
    expect(before.prompt?.event?.eventId).toBe('today-user-board');

    expect((await h.client.checkBrake({ userId: 'today-user' })).event?.eventId).toBe('today-user-board');
    const after = await h.client.getState({ userId: 'today-user' });
    expect(after.pendingBrakeEvent?.eventId).toBe('today-user-board');
    expect(after.prompt?.sequence).toBe(before.prompt?.sequence);
  });
});
