import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import {
  CalendarSource,
  HighStakesEventRemovedSchema,
  HighStakesEventUpsertedSchema,
  HrvMetric,
  HrvSampleRecordedSchema,
  HrvSource,
} from '@omtobe/proto/integrations/v1';
import {
  BrakeReason,
  CycleResetReason,
  CycleResetSchema,
  Decision,
  DecisionRecordedSchema,
  NextAction,
  Phase,
  ReflectionResponse,
} from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { startEngineHarness, topics, type EngineHarness } from '../../test/harness.ts';
import { runDueRollovers } from '../work/due-work.ts';

const minute = 60_000;
const day = 24 * 60 * minute;
// 15:30 in New York on Friday 2026-03-06 (EST, UTC−5), two days before the DST change.
const now0 = new Date('2026-03-06T20:30:00Z');
const tz = 'America/New_York';

async function register(h: EngineHarness, userId: string, registeredAt: Date): Promise<void> {
  await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone: tz, registeredAt: timestampFromDate(registeredAt) }));
}

async function sample(h: EngineHarness, userId: string, sampleId: string, valueMs: number, measuredAt: Date): Promise<void> {
  await h.deliver(
    topics.hrv,
    userId,
    HrvSampleRecordedSchema,
    create(HrvSampleRecordedSchema, { userId, sampleId, metric: HrvMetric.SDNN, source: HrvSource.HEALTHKIT, valueMs, measuredAt: timestampFromDate(measuredAt) }),
  );
}

async function meeting(h: EngineHarness, userId: string, eventId: string, title: string, startsAt: Date, minutes: number, id?: string) {
  return h.deliver(
    topics.calendar,
    userId,
    HighStakesEventUpsertedSchema,
    create(HighStakesEventUpsertedSchema, {
      userId,
      eventId,
      title,
      startsAt: timestampFromDate(startsAt),
      endsAt: timestampFromDate(new Date(startsAt.getTime() + minutes * minute)),
      source: CalendarSource.GOOGLE,
    }),
    id,
  );
}

/** A user on Day 4 with a baseline of 50.1 ms (SDNN) over two days, a fresh 35.2 ms sample and a running "Board Meeting". */
async function seedBrakingUser(h: EngineHarness, userId: string): Promise<void> {
  const now = h.clock.now();
  await register(h, userId, new Date(now.getTime() - 3 * day));
  const baseline = [48.1, 52.1, 50.0, 50.2];
  for (const [i, v] of baseline.entries()) await sample(h, userId, `${userId}-b${i}`, v, new Date(now.getTime() - (2 * day - i * 9 * 60 * minute)));
  await sample(h, userId, `${userId}-now`, 35.2, new Date(now.getTime() - 5 * minute));
  await meeting(h, userId, `${userId}-board`, 'Board Meeting', new Date(now.getTime() - 10 * minute), 90);
}

async function decisionsPublished(h: EngineHarness, userId: string, count: number) {
  const consumer = h.kafka.consumer({ groupId: `reader-${userId}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const seen: Array<ReturnType<typeof fromBinary<typeof DecisionRecordedSchema>>> = [];
  const resets: Array<ReturnType<typeof fromBinary<typeof CycleResetSchema>>> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: h.prefix + topics.decisions.name, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== userId) return;
      const type = message.headers?.['event-type']?.toString();
      if (type === DecisionRecordedSchema.typeName) seen.push(fromBinary(DecisionRecordedSchema, message.value!));
      if (type === CycleResetSchema.typeName) resets.push(fromBinary(CycleResetSchema, message.value!));
    },
  });
  try {
    await eventually(() => seen.length + resets.length, (n) => n >= count);
  } finally {
    await consumer.disconnect();
  }
  return { decisions: seen, resets };
}

describe('state engine: events in, state and answers out', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness(now0);
  });
  afterAll(async () => {
    await h.close();
  });

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
    const { decisions } = await decisionsPublished(h, 'seed-user', 2);
    expect(decisions.map((d) => d.decision)).toEqual([Decision.DELAY, Decision.PROCEED]);
    expect(decisions.every((d) => d.cycleDay === 4)).toBe(true);
  });

  it('records exactly one of two concurrent answers to one brake', async () => {
    await seedBrakingUser(h, 'race-user');
    expect((await h.client.checkBrake({ userId: 'race-user' })).shouldDisplay).toBe(true);
    const results = await Promise.allSettled([
      h.client.submitDecision({ userId: 'race-user', decision: Decision.DELAY, idempotencyKey: 'a' }),
      h.client.submitDecision({ userId: 'race-user', decision: Decision.PROCEED, idempotencyKey: 'b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(ConnectError.from(rejected.reason).code).toBe(Code.FailedPrecondition);
    const outbox = await decisionsPublished(h, 'race-user', 1);
    expect(outbox.decisions).toHaveLength(1);
  });

  it('refuses a decision without a pending brake, and a reflection outside its window', async () => {
    await register(h, 'quiet-user', h.clock.now());
    await expect(h.client.submitDecision({ userId: 'quiet-user', decision: Decision.DELAY, idempotencyKey: '' })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    await expect(h.client.submitReflection({ userId: 'quiet-user', response: ReflectionResponse.YES, idempotencyKey: '' })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    await expect(h.client.checkBrake({ userId: 'nobody' })).rejects.toMatchObject({ code: Code.NotFound });
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

  it("GetState lists what runs now or starts before the user's next local midnight, and the pending brake's event", async () => {
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
    expect(before.pendingBrakeEvent).toBeUndefined();

    expect((await h.client.checkBrake({ userId: 'today-user' })).event?.eventId).toBe('today-user-board');
    const after = await h.client.getState({ userId: 'today-user' });
    expect(after.pendingBrakeEvent?.eventId).toBe('today-user-board');
    expect(after.pendingBrakeEvent?.title).toBe('Board Meeting');
  });

  it('offers the reflection on Day 7 from 09:00 local and starts the next cycle at the next local midnight, on time without calls', async () => {
    await register(h, 'week-user', h.clock.now());
    const set = await h.client.setCycleDay({ userId: 'week-user', day: 7 });
    expect(set.currentDay).toBe(7);
    const state = await h.client.getState({ userId: 'week-user' });
    const opensAt = timestampDate(state.reflectionOpensAt!);
    // 09:00 in New York on the local date of Day 7.
    expect(opensAt.toLocaleString('en-US', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false })).toBe('09:00');
    const answer = await h.client.submitReflection({ userId: 'week-user', response: ReflectionResponse.YES, idempotencyKey: 'r1' });
    const newStart = timestampDate(answer.newCycleStart!);
    expect(newStart.toLocaleString('en-US', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false })).toBe('00:00');
    expect(newStart.getTime()).toBeGreaterThan(h.clock.now().getTime());

    h.clock.set(new Date(newStart.getTime() + 1));
    expect(await runDueRollovers(h.engine)).toBeGreaterThanOrEqual(1);
    const after = await h.client.getState({ userId: 'week-user' });
    expect(after.currentDay).toBe(1);
    expect(after.reflectionAnswered).toBe(false);
    const { resets } = await decisionsPublished(h, 'week-user', 1);
    expect(resets.map((r) => r.reason)).toEqual([CycleResetReason.REFLECTED]);
    expect(timestampDate(resets[0]!.newCycleStart!).getTime()).toBe(newStart.getTime());
  });
});
