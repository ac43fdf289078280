// Producing decisions.v1 / users.v1 events the way the outbox relay publishes them, and running the
// decision log's consumers against the run's broker.
import { randomUUID } from 'node:crypto';
import { create, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Producer } from 'kafkajs';
import { createKafka, headerNames, startServiceEvents, type HandledEvent, type Topic } from '@omtobe/events';
import { createLifecycle } from '@omtobe/platform';
import { CycleResetReason, Decision, type DecisionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { testKafkaBrokers } from '@omtobe/testing';
import { decisionsSubscription } from '../src/consumers/decisions.ts';
import { usersSubscription } from '../src/consumers/users.ts';
import type { DecisionLogMetrics } from '../src/metrics.ts';
import { silentLogger, type TestDb } from './support.ts';

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

export interface Consumers {
  handled: HandledEvent[];
  stop(): Promise<boolean>;
}

/** The decision log's subscriptions as main.ts wires them, as one member of `groupId`. */
export async function startConsumers(t: TestDb, options: { prefix: string; groupId: string; metrics: DecisionLogMetrics }): Promise<Consumers> {
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
    logger: silentLogger,
    lifecycle,
    db: t.db,
    pool: t.pool,
    subscriptions: [decisionsSubscription({ metrics: options.metrics }), usersSubscription({ metrics: options.metrics })],
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
