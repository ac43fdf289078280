import { describe, expect, it } from '@jest/globals';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { enqueueEvent, headerNames, headerValue, OutboxRelay, topics } from './index.ts';
import { consumeUntil, silentLogger, type Harness } from '../test/harness.ts';
import { useHarness } from '../test/use-harness.ts';

function timezoneChanged(userId: string, timezone: string) {
  return create(UserTimezoneChangedSchema, { userId, timezone, changedAt: timestampFromDate(new Date()) });
}

async function enqueue(h: Harness, userId: string, label: string): Promise<void> {
  await h.db.transaction().execute((trx) =>
    enqueueEvent(trx, {
      topic: topics.users,
      key: userId,
      schema: UserTimezoneChangedSchema,
      message: timezoneChanged(userId, label),
      occurredAt: new Date(),
    }),
  );
}

const labelOf = (r: { message: { value: Buffer | null } }) => fromBinary(UserTimezoneChangedSchema, r.message.value!).timezone;

describe('outbox relay', () => {
  const h = useHarness();

  it('publishes a committed event once and never one whose transaction rolled back', async () => {
    await expect(
      h.db.transaction().execute(async (trx) => {
        await enqueueEvent(trx, {
          topic: topics.users,
          key: 'u-rollback',
          schema: UserTimezoneChangedSchema,
          message: timezoneChanged('u-rollback', 'rolled-back'),
          occurredAt: new Date(),
        });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await enqueue(h, 'u-rollback', 'committed');
    await enqueue(h, 'u-rollback', 'sentinel');

    const relay = new OutboxRelay({ db: h.db, pool: h.pool, producer: h.producer, logger: silentLogger, topicPrefix: h.prefix });
    expect(await relay.drain()).toBe(2);
    expect(await relay.drain()).toBe(0);

    // One key, one partition, in order: everything before the sentinel is exactly what was published.
    const received = await consumeUntil(h.kafka, h.prefix + topics.users.name, (r) => r.some((m) => labelOf(m) === 'sentinel'));
    expect(received.map(labelOf)).toEqual(['committed', 'sentinel']);
    const first = received[0]!.message;
    expect(headerValue(first.headers, headerNames.eventType)).toBe('omtobe.gateway.v1.UserTimezoneChanged');
    expect(headerValue(first.headers, headerNames.eventId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.key?.toString()).toBe('u-rollback');
    expect(await h.db.selectFrom('outbox').select('id').execute()).toEqual([]);
  });

  it('wakes on commit and keeps every user\'s events in the order they were written', async () => {
    const relay = new OutboxRelay({
      db: h.db,
      pool: h.pool,
      producer: h.producer,
      logger: silentLogger,
      topicPrefix: h.prefix,
      batchSize: 7,
      pollIntervalMs: 60_000, // only NOTIFY can wake it within the test's deadline
    });
    await relay.start();
    const users = ['ua', 'ub', 'uc', 'ud', 'ue'];
    const perUser = 20;
    try {
      // Interleaved transactions, some writing several users' events at once.
      for (let i = 0; i < perUser; i += 1) {
        await h.db.transaction().execute(async (trx) => {
          for (const user of users) {
            await enqueueEvent(trx, {
              topic: topics.users,
              key: user,
              schema: UserTimezoneChangedSchema,
              message: timezoneChanged(user, `order-${user}-${i}`),
              occurredAt: new Date(),
            });
          }
        });
      }
      // A sentinel per user after all of it: once each has arrived, each user's events before it are all there,
      // so a lost, reordered or doubled one shows.
      for (const user of users) await enqueue(h, user, `sentinel-${user}`);
      const received = await consumeUntil(h.kafka, h.prefix + topics.users.name, (r) => users.every((u) => r.some((m) => labelOf(m) === `sentinel-${u}`)));
      for (const user of users) {
        const sequence = received.filter((m) => m.message.key?.toString() === user).map(labelOf);
        expect(sequence).toEqual([...Array.from({ length: perUser }, (_, i) => `order-${user}-${i}`), `sentinel-${user}`]);
      }
    } finally {
      await relay.stop();
    }
  });

  it('keeps the events and backs off while Kafka refuses them, then publishes them in order', async () => {
    const failing = h.kafka.producer();
    await failing.connect();
    await failing.disconnect(); // a disconnected producer refuses every send
    const relay = new OutboxRelay({ db: h.db, pool: h.pool, producer: failing, logger: silentLogger, topicPrefix: h.prefix });
    await enqueue(h, 'u-retry', 'retry-1');
    await enqueue(h, 'u-retry', 'retry-2');
    await expect(relay.drain()).rejects.toThrow('publishing the outbox failed');
    const kept = await h.db.selectFrom('outbox').select(['attempts', 'last_error']).orderBy('id').execute();
    expect(kept).toHaveLength(2);
    expect(kept[0]!.attempts).toBe(1);
    expect(kept[0]!.last_error).toBeTruthy();

    const healthy = new OutboxRelay({ db: h.db, pool: h.pool, producer: h.producer, logger: silentLogger, topicPrefix: h.prefix });
    expect(await healthy.drain()).toBe(2);
    await enqueue(h, 'u-retry', 'retry-sentinel');
    expect(await healthy.drain()).toBe(1);
    // One key, one partition: everything of the user's before the sentinel is what the refused sends became.
    const received = await consumeUntil(h.kafka, h.prefix + topics.users.name, (r) => r.some((m) => labelOf(m) === 'retry-sentinel'));
    expect(received.filter((m) => m.message.key?.toString() === 'u-retry').map(labelOf)).toEqual(['retry-1', 'retry-2', 'retry-sentinel']);
  });
});
