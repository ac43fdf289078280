import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { topics } from '@omtobe/events';
import { DecisionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { connectProducer, decisionRecorded, produceEvent, recordingMetrics, startConsumers, type Consumers } from '../../test/events.ts';
import { minutesAfter, openTestDb, type TestDb } from '../../test/support.ts';
import { allDecisions } from '../store/decisions.repo.ts';

describe('decision-log consumers across a rebalance', () => {
  let t: TestDb;
  let producer: Producer;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const groupId = `decision-log-test-${randomUUID().slice(0, 8)}`;
  const members: Consumers[] = [];

  beforeAll(async () => {
    t = await openTestDb('decision_log_rebalance');
    producer = await connectProducer();
  });
  afterAll(async () => {
    for (const member of members) await member.stop();
    await producer?.disconnect();
    await t?.close();
  });

  it('ends with the same rows, in time order, when partitions move between members mid-stream', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `rebalance-user-${i}`);
    const expected = new Map<string, Array<{ id: string; at: Date }>>(users.map((u) => [u, []]));
    let minute = 0;
    // Each batch sends every user's decisions newest first: arrival order is the reverse of time order.
    const sendBatch = async (perUser: number, at: (i: number) => Date = () => minutesAfter('2025-01-08T08:00:00Z', (minute += 1))) => {
      const ids: string[] = [];
      for (const userId of users) {
        const rows = Array.from({ length: perUser }, (_, i) => ({ id: randomUUID(), at: at(i) })).reverse();
        for (const row of rows) {
          expected.get(userId)!.push(row);
          ids.push(await produceEvent(producer, prefix, topics.decisions, DecisionRecordedSchema, decisionRecorded(userId, row.id, row.at), { key: userId }));
        }
      }
      return ids;
    };
    const handledBy = (...ms: Consumers[]) => ms.flatMap((m) => m.handled.map((h) => h.eventId));
    const { metrics } = recordingMetrics();

    const first = await startConsumers(t, { prefix, groupId, metrics });
    members.push(first);
    const batch1 = await sendBatch(3);
    await eventually(() => handledBy(first), (seen) => batch1.every((id) => seen.includes(id)));

    const second = await startConsumers(t, { prefix, groupId, metrics }); // the group rebalances
    members.push(second);
    const batch2 = await sendBatch(3);
    await eventually(() => second.handled.length, (n) => n > 0); // the second member owns partitions now
    await first.stop(); // and rebalances again: the second member takes over everything
    // Late arrivals: older than anything sent before.
    const batch3 = await sendBatch(2, (i) => minutesAfter('2025-01-08T07:00:00Z', i));
    await eventually(() => handledBy(first, second), (seen) => [...batch2, ...batch3].every((id) => seen.includes(id)));

    expect(first.handled.length).toBeGreaterThan(0);
    for (const userId of users) {
      const want = expected.get(userId)!.toSorted((a, b) => b.at.getTime() - a.at.getTime()).map((r) => r.id);
      expect((await allDecisions(t.db, userId)).map((d) => d.decisionId)).toEqual(want);
    }
  }, 60_000);
});
