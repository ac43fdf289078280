import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { KafkaMessage } from 'kafkajs';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { UserDeletedSchema, UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import pino, { type Logger } from 'pino';
import { createDatabase } from '@omtobe/db';
import { eventually, isSentinel, produceSentinel, readUntil, startTcpProxy, viaProxy } from '@omtobe/testing';
import { deadLetterTopicName, EventConsumer, headerNames, headerValue, on, topics, type EventConsumerOptions, type HandledEvent } from './index.ts';
import { schema, silentLogger, type Harness, type TestDB } from '../test/harness.ts';
import { useHarness } from '../test/use-harness.ts';

const usersTopic = (h: Harness) => h.prefix + topics.users.name;

function registered(userId: string, timezone: string): Buffer {
  return Buffer.from(
    toBinary(UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone, registeredAt: timestampFromDate(new Date()) })),
  );
}

async function produce(h: Harness, key: string, value: Buffer, headers: Record<string, string>): Promise<void> {
  await h.producer.send({ topic: usersTopic(h), acks: -1, messages: [{ key, value, headers }] });
}

function envelope(eventId: string, type: string = UserRegisteredSchema.typeName): Record<string, string> {
  return { [headerNames.eventId]: eventId, [headerNames.eventType]: type, [headerNames.occurredAt]: new Date().toISOString() };
}

const effectsOf = (h: Harness, userId: string) =>
  h.db.selectFrom('effects').selectAll().where('user_id', '=', userId).orderBy('value').execute();

/** A consumer of this file's topics with quick rebalances and retries, telling `handled` what it handled. */
function testConsumer(
  h: Harness,
  groupId: string,
  handled: HandledEvent[],
  options: Pick<EventConsumerOptions<TestDB>, 'subscriptions'> & Partial<EventConsumerOptions<TestDB>>,
) {
  return new EventConsumer<TestDB>({
    kafka: h.kafka,
    groupId,
    db: h.db,
    producer: h.producer,
    logger: silentLogger,
    topicPrefix: h.prefix,
    sessionTimeoutMs: 4_000,
    maxWaitTimeMs: 100,
    maxAttempts: 3,
    retryBaseMs: 10,
    onHandled: (e) => handled.push(e),
    ...options,
  });
}

/** users.v1 → one `effects` row per UserRegistered (value = its timezone); always failing for `failFor`. */
function recordingSubscriptions(failFor?: string): EventConsumerOptions<TestDB>['subscriptions'] {
  return [
    {
      topic: topics.users,
      handlers: [
        on(UserRegisteredSchema, async (event, { eventId, trx }) => {
          await trx.insertInto('effects').values({ event_id: eventId, user_id: event.userId, value: event.timezone }).execute();
          if (event.userId === failFor) throw new Error('this handler always fails for this user');
        }),
      ],
    },
  ];
}

function recordingConsumer(h: Harness, groupId: string, handled: HandledEvent[], failFor?: string) {
  return testConsumer(h, groupId, handled, { subscriptions: recordingSubscriptions(failFor) });
}

/** A logger whose lines the test can read. */
function recordingLogger(): { logger: Logger; lines: Array<{ msg: string }> } {
  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  return { logger, lines };
}

describe('event consumer', () => {
  const h = useHarness();

  it('sees an event again after a crash between its effect and its offset commit, with no second effect', async () => {
    const groupId = `crash-${randomUUID()}`;
    const eventId = randomUUID();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../test/crashing-consumer.ts', import.meta.url))], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl, KAFKA_BROKERS: h.brokers.join(','), TOPIC_PREFIX: h.prefix, GROUP_ID: groupId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      await once(child.stdout!, 'data'); // "consuming"
      await produce(h, 'u-crash', registered('u-crash', 'Europe/London'), envelope(eventId));
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await effectsOf(h, 'u-crash')).toHaveLength(1);

    const handled: HandledEvent[] = [];
    const consumer = recordingConsumer(h, groupId, handled);
    await consumer.start();
    try {
      await eventually(() => handled, (seen) => seen.some((e) => e.eventId === eventId), 30_000);
    } finally {
      await consumer.stop();
    }
    expect(handled.filter((e) => e.eventId === eventId).map((e) => e.duplicate)).toEqual([true]);
    expect(await effectsOf(h, 'u-crash')).toHaveLength(1);
  });

  it('waits for a database that went away instead of dead-lettering, then applies every event once', async () => {
    const groupId = `outage-${randomUUID()}`;
    const proxy = await startTcpProxy({ port: Number(new URL(h.databaseUrl).port) });
    const proxied = createDatabase<TestDB>({ url: viaProxy(h.databaseUrl, proxy), schema, onConnectionError: () => undefined });
    const { logger, lines } = recordingLogger();
    const handled: HandledEvent[] = [];
    const consumer = testConsumer(h, groupId, handled, {
      db: proxied.db,
      logger,
      maxRetryDelayMs: 200,
      subscriptions: recordingSubscriptions(),
    });
    const ids = Array.from({ length: 20 }, () => randomUUID());
    try {
      for (const id of ids.slice(0, 10)) await produce(h, `u-outage-${id.slice(0, 4)}`, registered('u-outage', id), envelope(id));
      consumer.start();
      const handledAll = (wanted: string[]) => eventually(() => handled, (seen) => wanted.every((id) => seen.some((e) => e.eventId === id)), 30_000);
      await handledAll(ids.slice(0, 10));
      proxy.cut();
      for (const id of ids.slice(10)) await produce(h, `u-outage-${id.slice(0, 4)}`, registered('u-outage', id), envelope(id));
      // maxAttempts is 3 with 10 ms backoff here: before, these events were dead-lettered within 100 ms.
      await eventually(() => lines.filter((l) => l.msg === 'database unavailable; the event waits for it').length, (n) => n >= 3, 30_000);
      proxy.restore();
      await handledAll(ids);
      // One more event last on every partition: once they are handled, nothing of the above is still on its way,
      // and the effects below are exact (a second effect of a redelivered event would be there by now).
      const admin = h.kafka.admin();
      await admin.connect();
      const partitions = await admin.fetchTopicOffsets(usersTopic(h)).finally(() => admin.disconnect());
      const lastIds = partitions.map(() => randomUUID());
      await h.producer.send({
        topic: usersTopic(h),
        acks: -1,
        messages: partitions.map(({ partition }, i) => ({ partition, key: 'u-outage-last', value: registered('u-outage-last', 'last'), headers: envelope(lastIds[i]!) })),
      });
      await handledAll(lastIds);
    } finally {
      await consumer.stop();
      await proxied.close();
      await proxy.close();
    }
    expect((await effectsOf(h, 'u-outage')).map((r) => r.value).sort()).toEqual([...ids].sort());
    expect(lines.filter((l) => l.msg === 'event sent to the dead-letter topic')).toEqual([]);
  });

  it('parks poison messages and failing events in the dead-letter topic and goes on with the partition', async () => {
    const groupId = `poison-${randomUUID()}`;
    const key = 'u-poison'; // one key: every message below is on the same partition, in this order
    await produce(h, key, Buffer.from([0xff, 0xff, 0xff, 0xff]), envelope(randomUUID()));
    await produce(h, key, registered(key, 'no-headers'), {});
    await produce(h, key, registered(key, 'unknown-type'), envelope(randomUUID(), 'omtobe.gateway.v1.NoSuchEvent'));
    await produce(h, key, registered('u-always-fails', 'fails'), envelope(randomUUID()));
    const ignoredId = randomUUID();
    await produce(
      h,
      key,
      Buffer.from(toBinary(UserDeletedSchema, create(UserDeletedSchema, { userId: key }))),
      envelope(ignoredId, UserDeletedSchema.typeName),
    );
    const goodId = randomUUID();
    await produce(h, key, registered(key, 'after-the-poison'), envelope(goodId));
    // Last on the partition, an event of a type no topic carries: the consumer parks it after everything above,
    // so the dead letters before it are all the consumer parked of this test's messages.
    const sentinel = await produceSentinel(h.producer, usersTopic(h), key);

    const handled: HandledEvent[] = [];
    const consumer = recordingConsumer(h, groupId, handled, 'u-always-fails');
    await consumer.start();
    let letters: KafkaMessage[];
    try {
      letters = await readUntil(h.kafka, deadLetterTopicName(usersTopic(h)), (m) => isSentinel(m, sentinel));
      await eventually(() => handled, (seen) => seen.some((e) => e.eventId === goodId));
    } finally {
      await consumer.stop();
    }
    expect((await effectsOf(h, key)).map((r) => r.value)).toEqual(['after-the-poison']);
    expect(handled.filter((e) => e.eventId === goodId)).toHaveLength(1);
    // The failing handler's effect rolled back with each attempt.
    expect(await effectsOf(h, 'u-always-fails')).toEqual([]);
    // An event without a handler here is acknowledged, not parked.
    expect(handled.some((e) => e.eventId === ignoredId)).toBe(false);

    // Exactly these four, in partition order: neither the ignored event nor the good one was parked.
    expect(letters.map((l) => headerValue(l.headers, 'dlq-reason'))).toEqual(['undecodable', 'missing_headers', 'unknown_event_type', 'handler_failed']);
    expect(letters.every((l) => headerValue(l.headers, 'dlq-source-topic') === usersTopic(h))).toBe(true);
    expect(letters[0]!.value).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  });

  it('handles a backlog several events per transaction, in order, with deferred work once per transaction', async () => {
    const groupId = `backlog-${randomUUID()}`;
    const key = 'u-backlog';
    const ids = Array.from({ length: 60 }, () => randomUUID());
    const messages = ids.map((id, i) => ({ key, value: registered(key, `tz-${String(i).padStart(2, '0')}`), headers: envelope(id) }));
    messages.push({ key, value: registered(key, 'tz-10-again'), headers: envelope(ids[10]!) }); // a redelivered copy
    // Last on the partition: once it is handled, so is everything before it, and the counts below are exact.
    const lastId = randomUUID();
    messages.push({ key, value: registered(key, 'tz-last'), headers: envelope(lastId) });
    await h.producer.send({ topic: usersTopic(h), acks: -1, messages });

    const handled: HandledEvent[] = [];
    const consumer = testConsumer(h, groupId, handled, {
      maxEventsPerTransaction: 25,
      subscriptions: [
        {
          topic: topics.users,
          handlers: [
            on(UserRegisteredSchema, async (event, { eventId, trx, deferOnce }) => {
              await sql`insert into effects (event_id, user_id, value) values (${eventId}, ${event.userId}, txid_current()::text || ' ' || ${event.timezone})`.execute(trx);
              // Counts, at the end of the transaction, the effects the transaction wrote.
              deferOnce(`summary:${event.userId}`, async () => {
                await sql`
                  insert into effects (event_id, user_id, value)
                  select 'summary', ${`summary:${event.userId}`}, txid_current()::text || ' ' || count(*)
                  from effects where user_id = ${event.userId} and split_part(value, ' ', 1) = txid_current()::text`.execute(trx);
              });
            }),
          ],
        },
      ],
    });
    await consumer.start();
    try {
      await eventually(() => handled, (seen) => seen.some((e) => e.eventId === lastId));
    } finally {
      await consumer.stop();
    }
    // The group reads the file's topic from its beginning: other tests' events are handled too.
    const wanted = new Set<string>([...ids, lastId]);
    const mine = handled.filter((e) => wanted.has(e.eventId));
    const effects = await h.db.selectFrom('effects').selectAll().where('user_id', '=', key).execute();
    const rows = effects.map((e) => ({ id: e.event_id, txid: e.value.split(' ')[0]!, timezone: e.value.split(' ')[1]! }));
    // Every event once, in partition order; the copy of the 11th had no second effect.
    expect(rows.map((r) => r.id).sort()).toEqual([...ids, lastId].sort());
    expect(mine).toHaveLength(62);
    expect(mine.filter((e) => e.eventId === ids[10]).map((e) => e.duplicate)).toEqual([false, true]);
    expect(mine.map((e) => e.offset)).toEqual([...mine.map((e) => e.offset)].sort((a, b) => Number(a) - Number(b)));
    // Fewer transactions than events, none with more than 25.
    const perTransaction = new Map<string, number>();
    for (const r of rows) perTransaction.set(r.txid, (perTransaction.get(r.txid) ?? 0) + 1);
    expect(perTransaction.size).toBeLessThan(61);
    expect(Math.max(...perTransaction.values())).toBeLessThanOrEqual(25);
    // The deferred work ran once per transaction, after all of its events.
    const summaries = await h.db.selectFrom('effects').select('value').where('user_id', '=', `summary:${key}`).execute();
    expect(new Map(summaries.map((s) => [s.value.split(' ')[0]!, Number(s.value.split(' ')[1])]))).toEqual(perTransaction);
    expect(summaries).toHaveLength(perTransaction.size);
  });
});
