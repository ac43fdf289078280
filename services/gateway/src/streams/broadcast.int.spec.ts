// Several gateway replicas, in one process: each runs its own broadcast consumer (a group of its own) and its own
// hub, on the run's real broker. Every replica must hear every user's transitions.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { BroadcastConsumer, broadcastGroupId, createKafka, topics } from '@omtobe/events';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { PromptTransitionKind, PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import { publishTestEvent, testKafkaBrokers } from '@omtobe/testing';
import { streamGroupIdPrefix, streamSubscriptions } from '../consumers/index.ts';
import { StreamHub } from './hub.ts';

const logger = pino({ level: 'silent' });
const prefix = `t${randomUUID().slice(0, 8)}.`;
const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'gateway-broadcast-test', logger });

describe('live streams across replicas', () => {
  const replicas: Array<{ hub: StreamHub; consumer: BroadcastConsumer }> = [];
  let producer: Producer;

  beforeAll(async () => {
    producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    for (let i = 0; i < 2; i += 1) {
      const hub = new StreamHub({ perUserLimit: 5, logger });
      const consumer = new BroadcastConsumer({
        kafka,
        groupId: broadcastGroupId(streamGroupIdPrefix),
        subscriptions: streamSubscriptions(hub),
        logger,
        topicPrefix: prefix,
        sessionTimeoutMs: 4_000,
        maxWaitTimeMs: 100,
      });
      consumer.start();
      replicas.push({ hub, consumer });
    }
    await Promise.all(replicas.map((r) => r.consumer.whenListening()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.consumer.stop()));
    await producer?.disconnect();
  });

  it('gives each replica a consumer group of its own under the prefix the ACL grants', () => {
    const [a, b] = replicas.map((r) => r.consumer.groupId);
    expect(a).toMatch(/^gateway-streams-[A-Za-z0-9._-]+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('delivers a transition to the user’s streams on every replica, and to no other user’s', async () => {
    const alice = replicas.map((r) => r.hub.open('alice'));
    const bob = replicas.map((r) => r.hub.open('bob'));
    // A record that is no event comes first: it is skipped, and the partition goes on.
    await producer.send({ topic: prefix + topics.prompts.name, messages: [{ key: 'alice', value: Buffer.from('not an event') }] });
    await publishTestEvent(producer, {
      topic: prefix + topics.prompts.name,
      key: 'alice',
      schema: PromptTransitionSchema,
      message: create(PromptTransitionSchema, { userId: 'alice', transitionId: 't-1', kind: PromptTransitionKind.BRAKE_RAISED, sequence: 1n }),
    });
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), 20_000);
    const heard = await Promise.all(alice.map((mailbox) => mailbox.take(deadline.signal, 20_000)));
    clearTimeout(timer);
    expect(heard).toEqual([
      { transition: expect.objectContaining({ transitionId: 't-1', kind: PromptTransitionKind.BRAKE_RAISED }) },
      { transition: expect.objectContaining({ transitionId: 't-1', kind: PromptTransitionKind.BRAKE_RAISED }) },
    ]);
    // Delivered to every mailbox of a replica at once: bob's would hold it by now.
    expect(await Promise.all(bob.map((mailbox) => mailbox.take(new AbortController().signal, 10)))).toEqual([undefined, undefined]);
    for (const mailbox of [...alice, ...bob]) mailbox.close();
  });

  it('ends an erased user’s streams on every replica when users.v1 says UserDeleted', async () => {
    const carol = replicas.map((r) => r.hub.open('carol'));
    await publishTestEvent(producer, {
      topic: prefix + topics.users.name,
      key: 'carol',
      schema: UserDeletedSchema,
      message: create(UserDeletedSchema, { userId: 'carol' }),
    });
    const ends = await Promise.all(carol.map((mailbox) => mailbox.take(new AbortController().signal, 20_000)));
    expect(ends).toEqual([{ end: 'erased' }, { end: 'erased' }]);
  });
});
