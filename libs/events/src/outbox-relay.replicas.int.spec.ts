import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Producer } from 'kafkajs';
import { createDatabase, type Database } from '@omtobe/db';
import { eventually } from '@omtobe/testing';
import { UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { enqueueEvents, OutboxRelay, topics } from './index.ts';
import { consumeUntil, openHarness, schema, silentLogger, type Harness, type TestDB } from '../test/harness.ts';

// Two replicas of a service run two relays on one outbox. The design (outbox-relay.ts): one relay publishes at a
// time (a transaction-scoped advisory lock) and a row is deleted in the transaction that published it, so while
// Kafka acknowledges every send each row is published exactly once, and every user's events in the order written.

/** A producer that counts what it is handed and, when `slowMs` is set, answers late (a replica on a slow link). */
function countingProducer(producer: Producer, slowMs = 0): { producer: Producer; sent: () => number } {
  let sent = 0;
  const wrapped = Object.create(producer) as Producer;
  wrapped.sendBatch = async (batch) => {
    sent += batch.topicMessages!.reduce((n, t) => n + t.messages.length, 0);
    if (slowMs > 0) await delay(slowMs);
    return producer.sendBatch(batch);
  };
  return { producer: wrapped, sent: () => sent };
}

const event = (userId: string, label: string) => ({
  topic: topics.users,
  key: userId,
  schema: UserTimezoneChangedSchema,
  message: create(UserTimezoneChangedSchema, { userId, timezone: label, changedAt: timestampFromDate(new Date()) }),
  occurredAt: new Date(),
});

const labelOf = (m: { message: { value: Buffer | null } }) => fromBinary(UserTimezoneChangedSchema, m.message.value!).timezone;

describe('two outbox relays on one outbox', () => {
  let h: Harness;
  let second: Database<TestDB>;
  let secondProducer: Producer;
  beforeAll(async () => {
    h = await openHarness();
    // The other replica: its own pool (its own LISTEN connection and transactions) and its own producer.
    second = createDatabase<TestDB>({ url: h.databaseUrl, schema });
    secondProducer = h.kafka.producer({ maxInFlightRequests: 1 });
    await secondProducer.connect();
  });
  afterAll(async () => {
    await secondProducer?.disconnect();
    await second?.close();
    await h?.close();
  });

  it('publish every row exactly once, each user in the order written, while both run and writers commit', async () => {
    const writers = 3;
    const usersPerWriter = 2;
    const perUser = 25;
    const userIds = Array.from({ length: writers * usersPerWriter }, (_, i) => `replica-user-${i}`);
    // Replica A sends slowly: were the relays not exclusive, B would publish rows written after A's batch first.
    const a = countingProducer(h.producer, 20);
    const b = countingProducer(secondProducer);
    const options = { logger: silentLogger, topicPrefix: h.prefix, batchSize: 5, pollIntervalMs: 60_000 };
    const relayA = new OutboxRelay({ ...options, db: h.db, pool: h.pool, producer: a.producer });
    const relayB = new OutboxRelay({ ...options, db: second.db, pool: second.pool, producer: b.producer });
    await Promise.all([relayA.start(), relayB.start()]);
    try {
      // Writers commit at the same time; each transaction writes the next event of each of its writer's users.
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const own = userIds.slice(w * usersPerWriter, (w + 1) * usersPerWriter);
          for (let i = 0; i < perUser; i += 1) {
            await h.db.transaction().execute((trx) => enqueueEvents(trx, own.map((u) => event(u, `${u}#${i}`))));
          }
        }),
      );
      await eventually(() => h.db.selectFrom('outbox').select('id').execute(), (rows) => rows.length === 0);
    } finally {
      await Promise.all([relayA.stop(), relayB.stop()]);
    }
    // Both relays stopped: nothing more can be published. A last event per user, published after all the rest,
    // marks the end of that user's partition: everything before it is everything ever published for the user.
    await h.db.transaction().execute((trx) => enqueueEvents(trx, userIds.map((u) => event(u, `${u}#end`))));
    const closer = countingProducer(h.producer);
    expect(await new OutboxRelay({ ...options, db: h.db, pool: h.pool, producer: closer.producer }).drain()).toBe(userIds.length);

    const received = await consumeUntil(h.kafka, h.prefix + topics.users.name, (r) => {
      const ends = new Set(r.map(labelOf).filter((l) => l.endsWith('#end')));
      return userIds.every((u) => ends.has(`${u}#end`));
    });
    for (const u of userIds) {
      const sequence = received.filter((m) => m.message.key?.toString() === u).map(labelOf);
      expect(sequence).toEqual([...Array.from({ length: perUser }, (_, i) => `${u}#${i}`), `${u}#end`]);
    }
    // Nothing was handed to Kafka twice either (a duplicate the reader dropped would still show here).
    expect(a.sent() + b.sent()).toBe(userIds.length * perUser);
    expect(closer.sent()).toBe(userIds.length);
  });
});
