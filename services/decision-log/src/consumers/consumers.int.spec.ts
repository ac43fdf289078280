import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Producer } from 'kafkajs';
import { createKafka, deadLetterTopicName, headerNames, headerValue, topics } from '@omtobe/events';
import {
  CycleResetReason,
  CycleResetSchema,
  Decision,
  DecisionRecordedSchema,
  ReflectionRecordedSchema,
  ReflectionResponse,
} from '@omtobe/proto/state-engine/v1';
import { eventually, isSentinel, produceSentinel, readUntil, testKafkaBrokers } from '@omtobe/testing';
import pino from 'pino';
import { connectProducer, decisionRecorded, eventSender, recordingMetrics, startConsumers, type Consumers } from '../../test/events.ts';
import { decision, minutesAfter, openTestDb, reflection, silentLogger, type TestDb } from '../../test/support.ts';
import { allDecisions, insertDecision } from '../store/decisions.repo.ts';
import { allReflections, insertReflection } from '../store/reflections.repo.ts';

const handledIds = (c: Consumers) => c.handled.map((h) => h.eventId);
const handledAll = (c: Consumers, ids: string[]) => () => ids.every((id) => handledIds(c).includes(id));
const count = async (t: TestDb, table: 'decision_logs' | 'reflection_logs', userId: string) =>
  (await t.db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length;

describe('decision-log consumers against the broker and PostgreSQL', () => {
  let t: TestDb;
  let producer: Producer;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  // A group of this file's own: files share the broker, and a shared group would rebalance across them.
  const groupId = `decision-log-test-${randomUUID().slice(0, 8)}`;
  const recorded = recordingMetrics();
  let consumers: Consumers;
  const sender = eventSender(() => producer, prefix);
  // The consumers' warnings and errors, to see how often an event was tried.
  const logged: Array<{ msg: string; event_id?: string; err?: { message?: string } }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });

  beforeAll(async () => {
    t = await openTestDb('decision_log_consumers');
    producer = await connectProducer();
    consumers = await startConsumers(t, { prefix, groupId, metrics: recorded.metrics, logger });
  });
  afterAll(async () => {
    await consumers?.stop();
    await producer?.disconnect();
    await t?.close();
  });

  it('stores a replayed or duplicated event exactly once', async () => {
    const userId = 'dup-user';
    // What this test's events count; the recorder is the file's (other tests' events are counted there too).
    const countedBefore = recorded.calls.length;
    const decisionId = randomUUID();
    const reflectionId = randomUUID();
    const decidedAt = new Date('2025-01-08T10:00:00.000Z');
    const decisionEvent = decisionRecorded(userId, decisionId, decidedAt);
    const reflectionEvent = {
      userId,
      reflectionId,
      response: ReflectionResponse.NO,
      answeredAt: timestampFromDate(new Date('2025-01-12T10:00:00.000Z')),
      cycleStart: timestampFromDate(new Date('2025-01-06T00:00:00.000Z')),
    };
    const send = {
      decision: (eventId?: string) => sender.send(topics.decisions, DecisionRecordedSchema, decisionEvent, { key: userId, eventId }),
      reflection: (eventId?: string) => sender.send(topics.decisions, ReflectionRecordedSchema, reflectionEvent, { key: userId, eventId }),
    };

    const decisionEventId = await send.decision();
    await send.decision(decisionEventId); // replayed: the same event again
    const decisionAgain = await send.decision(); // the same decision under a new event id
    const reflectionEventId = await send.reflection();
    await send.reflection(reflectionEventId);
    const reflectionAgain = await send.reflection();
    const resetId = await sender.send(
      topics.decisions,
      CycleResetSchema,
      { userId, reason: CycleResetReason.REFLECTED, previousCycleStart: timestampFromDate(new Date('2025-01-06T00:00:00Z')) },
      { key: userId },
    );

    const ids = [decisionEventId, decisionAgain, reflectionEventId, reflectionAgain, resetId];
    // The reset is the user's last event (one key, one partition): once it is handled, so is everything before it.
    await eventually(() => handledIds(consumers), handledAll(consumers, [resetId]));
    expect(consumers.handled.filter((h) => ids.includes(h.eventId))).toHaveLength(7);
    expect(consumers.handled.filter((h) => h.eventId === decisionEventId).map((h) => h.duplicate)).toEqual([false, true]);
    expect(consumers.handled.filter((h) => h.eventId === reflectionEventId).map((h) => h.duplicate)).toEqual([false, true]);

    expect(await allDecisions(t.db, userId)).toEqual([{ decisionId, decidedAt, decision: 'Delay', cycleDay: 3 }]);
    expect(await allReflections(t.db, userId)).toEqual([
      { reflectionId, answeredAt: new Date('2025-01-12T10:00:00.000Z'), response: 'No', cycleStart: new Date('2025-01-06T00:00:00.000Z') },
    ]);
    // The cycle reset stores nothing; it is only counted. Duplicates are not counted twice.
    expect(recorded.calls.slice(countedBefore)).toEqual(['decision:Delay', 'reflection:No', 'reset:REFLECTED']);
  });

  it('keeps history in time order whatever order the events arrive in', async () => {
    const userId = 'late-user';
    const base = new Date('2025-01-09T12:00:00.000Z');
    const rows = [0, 20, 40, 60].map((m) => ({ id: randomUUID(), at: minutesAfter(base, m) }));
    const ids: string[] = [];
    for (const row of rows.toReversed()) {
      ids.push(await sender.decision(userId, row.id, row.at));
    }
    await eventually(() => handledIds(consumers), handledAll(consumers, ids));
    expect((await allDecisions(t.db, userId)).map((d) => d.decisionId)).toEqual(rows.toReversed().map((r) => r.id));
  });

  it('erases every row of a deleted user and leaves other users alone', async () => {
    const leaving = 'erased-user';
    const staying = 'other-user';
    for (const userId of [leaving, staying]) {
      await insertDecision(t.db, decision({ userId }));
      await insertReflection(t.db, reflection({ userId }));
    }
    // One more decision for the leaving user arrives through the topic just before the erasure.
    const viaTopic = await sender.decision(leaving, randomUUID(), new Date('2025-01-10T10:00:00.000Z'), { decision: Decision.PROCEED });
    await eventually(() => handledIds(consumers), handledAll(consumers, [viaTopic]));
    expect(await count(t, 'decision_logs', leaving)).toBe(2);

    const erasure = await sender.userDeleted(leaving, new Date());
    await eventually(() => handledIds(consumers), handledAll(consumers, [erasure]));
    expect(await count(t, 'decision_logs', leaving)).toBe(0);
    expect(await count(t, 'reflection_logs', leaving)).toBe(0);
    expect(await count(t, 'decision_logs', staying)).toBe(1);
    expect(await count(t, 'reflection_logs', staying)).toBe(1);

    // A redelivered copy of the erased decision's event finds its id in the inbox: the row does not come back.
    const replayed = await sender.decision(leaving, randomUUID(), new Date('2025-01-10T10:00:00.000Z'), {}, { eventId: viaTopic });
    await eventually(() => consumers.handled.filter((h) => h.eventId === replayed).length, (n) => n === 2);
    expect(await count(t, 'decision_logs', leaving)).toBe(0);
  });

  it('leaves no row of an erased registration whatever the order of arrival, and keeps a new registration\'s', async () => {
    // DELETE /me at `erasedAt` ended the registration of `firstLife`. The state engine applied it a little later,
    // and recorded a decision and a reflection in between: they occurred after the erasure and arrive after it.
    const userId = 'race-user';
    const firstLife = new Date('2025-01-02T09:00:00.000Z');
    const erasedAt = new Date('2025-01-10T10:00:00.000Z');
    const secondLife = minutesAfter(erasedAt, 5);
    const erasure = await sender.userDeleted(userId, erasedAt, firstLife, { occurredAt: erasedAt });
    await eventually(() => handledIds(consumers), handledAll(consumers, [erasure]));

    const lateDecisionAt = minutesAfter(erasedAt, 1);
    const lateDecision = await sender.decision(userId, randomUUID(), lateDecisionAt, { registeredAt: firstLife }, { occurredAt: lateDecisionAt });
    const lateReflectionAt = minutesAfter(erasedAt, 2);
    const lateReflection = await sender.send(
      topics.decisions,
      ReflectionRecordedSchema,
      {
        userId,
        reflectionId: randomUUID(),
        response: ReflectionResponse.YES,
        answeredAt: timestampFromDate(lateReflectionAt),
        cycleStart: timestampFromDate(new Date('2025-01-04T05:00:00.000Z')),
        registeredAt: timestampFromDate(firstLife),
      },
      { key: userId, occurredAt: lateReflectionAt },
    );
    // The same person registers again and decides: a later registration, kept.
    const keptId = randomUUID();
    const keptAt = minutesAfter(secondLife, 3 * 24 * 60);
    const kept = await sender.decision(userId, keptId, keptAt, { registeredAt: secondLife }, { occurredAt: keptAt });
    await eventually(() => handledIds(consumers), handledAll(consumers, [lateDecision, lateReflection, kept]));

    const erasedFlags = (id: string) => consumers.handled.filter((h) => h.eventId === id).map((h) => h.erased);
    expect([lateDecision, lateReflection, kept].map(erasedFlags)).toEqual([[true], [true], [false]]);
    expect((await allDecisions(t.db, userId)).map((d) => d.decisionId)).toEqual([keptId]);
    expect(await count(t, 'reflection_logs', userId)).toBe(0);
  });

  it('judges events that name no registration (older producers) by when they occurred', async () => {
    const userId = 'unstamped-user';
    const erasedAt = new Date('2025-01-10T10:00:00.000Z');
    const erasure = await sender.userDeleted(userId, erasedAt, new Date('2025-01-02T09:00:00.000Z'), { occurredAt: erasedAt });
    await eventually(() => handledIds(consumers), handledAll(consumers, [erasure]));
    const before = minutesAfter(erasedAt, -1);
    const after = minutesAfter(erasedAt, 60);
    const afterId = randomUUID();
    const ids = [
      await sender.decision(userId, randomUUID(), before, {}, { occurredAt: before }),
      await sender.decision(userId, afterId, after, {}, { occurredAt: after }),
    ];
    await eventually(() => handledIds(consumers), handledAll(consumers, ids));
    expect((await allDecisions(t.db, userId)).map((d) => d.decisionId)).toEqual([afterId]);
  });

  it('parks an event that breaks the contract at its first attempt, with the reason, and goes on with the user\'s next event', async () => {
    const userId = 'bad-event-user';
    const bad = await sender.decision(userId, randomUUID(), new Date('2025-01-08T10:00:00.000Z'), { cycleDay: 9 });
    // A user id the rule refuses (@omtobe/rules), keyed like the rest so it lands on the same partition.
    const badUser = await sender.send(topics.decisions, DecisionRecordedSchema, decisionRecorded('not a user id', randomUUID(), new Date('2025-01-08T10:10:00.000Z')), {
      key: userId,
    });
    const goodId = randomUUID();
    const good = await sender.decision(userId, goodId, new Date('2025-01-08T10:20:00.000Z'));
    // Last on the user's partition, an event type the topic does not carry: parked after everything above, so
    // the user's dead letters before it are all there are.
    const sentinel = await produceSentinel(producer, prefix + topics.decisions.name, userId);
    await eventually(() => handledIds(consumers), handledAll(consumers, [good]));
    expect((await allDecisions(t.db, userId)).map((d) => d.decisionId)).toEqual([goodId]);

    const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'dlq-reader', logger: silentLogger });
    const letters = await readUntil(kafka, deadLetterTopicName(prefix + topics.decisions.name), (m) => isSentinel(m, sentinel));
    const mine = letters.filter((m) => m.key?.toString() === userId);
    const parked = mine.map((m) => `${headerValue(m.headers, headerNames.eventId)}:${headerValue(m.headers, 'dlq-reason')}`);
    expect(parked).toEqual([`${bad}:handler_failed`, `${badUser}:handler_failed`]);
    expect(mine.map((m) => headerValue(m.headers, 'dlq-error'))).toEqual([
      expect.stringMatching(/cycle_day 9 is outside 1-7/),
      expect.stringMatching(/user_id may hold only/),
    ]);
    // Never retried: a contract breach fails the same way every time (PermanentEventError).
    const about = (eventId: string) => logged.filter((line) => line.event_id === eventId).map((line) => line.msg);
    expect([bad, badUser].map(about)).toEqual([['event sent to the dead-letter topic'], ['event sent to the dead-letter topic']]);
  });
});
