// Producing decisions.v1 / users.v1 events the way the outbox relay publishes them, and running the
// decision log's consumers against the run's broker.
import { randomUUID } from 'node:crypto';
import { create, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka, headerNames, startServiceEvents, topics, type HandledEvent, type Topic } from '@omtobe/events';
import { createLifecycle } from '@omtobe/platform';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { CycleResetReason, Decision, DecisionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { testKafkaBrokers } from '@omtobe/testing';
import { decisionsSubscription } from '../src/consumers/decisions.ts';
import { usersSubscription } from '../src/consumers/users.ts';
import type { DecisionLogMetrics } from '../src/operations/metrics.ts';
import { silentLogger, testDeps, type TestDb } from './support.ts';

export interface Envelope {
  eventId?: string;
  key: string;
  occurredAt?: Date;
}

/** Sends one event with the outbox relay's envelope: key = user id, headers event-id, event-type, occurred-at. */
export async function produceEvent<Desc extends DescMessage>(
  producer: Producer,
  prefix: string,
  topic: Topic,
  schema: Desc,
  init: MessageInitShape<Desc>,
  envelope: Envelope,
): Promise<string> {
  const eventId = envelope.eventId ?? randomUUID();
  await producer.send({
    topic: prefix + topic.name,
    acks: -1,
    messages: [
      {
        key: envelope.key,
        value: Buffer.from(toBinary(schema, create(schema, init))),
        headers: {
          [headerNames.eventId]: eventId,
          [headerNames.eventType]: schema.typeName,
          [headerNames.occurredAt]: (envelope.occurredAt ?? new Date()).toISOString(),
        },
      },
    ],
  });
  return eventId;
}

export function decisionRecorded(
  userId: string,
  decisionId: string,
  decidedAt: Date,
  overrides: Partial<{ decision: Decision; cycleDay: number; registeredAt: Date }> = {},
) {
  return {
    userId,
    decisionId,
    decision: overrides.decision ?? Decision.DELAY,
    cycleDay: overrides.cycleDay ?? 3,
    decidedAt: timestampFromDate(decidedAt),
    ...(overrides.registeredAt ? { registeredAt: timestampFromDate(overrides.registeredAt) } : {}),
  } satisfies MessageInitShape<typeof DecisionRecordedSchema>;
}

/**
 * Sends events to the topics under `prefix` with the user as key; `producer` is read at each send (tests
 * connect it in beforeAll).
 */
export function eventSender(producer: () => Producer, prefix: string) {
  const send = <Desc extends DescMessage>(topic: Topic, schema: Desc, init: MessageInitShape<Desc>, envelope: Envelope) =>
    produceEvent(producer(), prefix, topic, schema, init, envelope);
  return {
    send,
    decision: (userId: string, decisionId: string, decidedAt: Date, overrides: Parameters<typeof decisionRecorded>[3] = {}, envelope: Omit<Envelope, 'key'> = {}) =>
      send(topics.decisions, DecisionRecordedSchema, decisionRecorded(userId, decisionId, decidedAt, overrides), { key: userId, ...envelope }),
    userDeleted: (userId: string, deletedAt: Date, registeredAt?: Date, envelope: Omit<Envelope, 'key'> = {}) =>
      send(
        topics.users,
        UserDeletedSchema,
        { userId, deletedAt: timestampFromDate(deletedAt), ...(registeredAt ? { registeredAt: timestampFromDate(registeredAt) } : {}) },
        { key: userId, ...envelope },
      ),
  };
}

export interface Consumers {
  handled: HandledEvent[];
  stop(): Promise<boolean>;
}

/** The decision log's subscriptions as main.ts wires them, as one member of `groupId`. */
export async function startConsumers(
  t: TestDb,
  options: { prefix: string; groupId: string; metrics: DecisionLogMetrics; logger?: Logger },
): Promise<Consumers> {
  const handled: HandledEvent[] = [];
  const lifecycle = createLifecycle({ logger: silentLogger });
  await startServiceEvents({
    config: {
      KAFKA_BROKERS: testKafkaBrokers(),
      SERVICE_NAME: options.groupId,
      KAFKA_TOPIC_PREFIX: options.prefix,
      KAFKA_SESSION_TIMEOUT_MS: 4_000,
      KAFKA_MAX_WAIT_MS: 100,
      OUTBOX_POLL_INTERVAL_MS: 60_000,
      INBOX_RETENTION_DAYS: 14,
      KAFKA_CONSUMER_DOWN_GRACE_MS: 30_000,
    },
    logger: options.logger ?? silentLogger,
    lifecycle,
    db: t.db,
    pool: t.pool,
    subscriptions: [decisionsSubscription, usersSubscription].map((subscribe) => subscribe(testDeps(t.db, { metrics: options.metrics }))),
    onHandled: (event) => handled.push(event),
    honourErasures: true,
  });
  return { handled, stop: () => lifecycle.shutdown('test finished') };
}

export async function connectProducer(): Promise<Producer> {
  const producer = createKafka({ brokers: testKafkaBrokers(), clientId: 'decision-log-test', logger: silentLogger }).producer();
  await producer.connect();
  return producer;
}

/** Remembers what the consumers counted. */
export function recordingMetrics() {
  const calls: string[] = [];
  const metrics: DecisionLogMetrics = {
    decisionRecorded: (d) => calls.push(`decision:${d}`),
    reflectionRecorded: (r) => calls.push(`reflection:${r}`),
    cycleReset: (reason) => calls.push(`reset:${CycleResetReason[reason]}`),
    userErased: () => calls.push('erased'),
  };
  return { metrics, calls };
}
