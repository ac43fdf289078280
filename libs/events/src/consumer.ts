import { setTimeout as delay } from 'node:timers/promises';
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { context, propagation } from '@opentelemetry/api';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { sendToDeadLetter, type DeadLetterReason } from './dead-letter.ts';
import { headerNames, headerValue, stringHeaders } from './headers.ts';
import { erasedAt, type ErasureTables } from './erasures.ts';
import { claimEvent, type InboxTables } from './inbox.ts';
import { eventSchema, type Topic } from './topics.ts';

/**
 * Thrown by a handler for an event that can never succeed (it breaks the contract): the event goes to the
 * dead-letter topic at once instead of being retried.
 */
export class PermanentEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentEventError';
  }
}

/** What a handler gets: the decoded event, its envelope, and the transaction its effect must use. */
export interface EventContext<DB> {
  eventId: string;
  occurredAt: Date;
  key: string;
  trx: Transaction<DB>;
  logger: Logger;
}

export type EventHandler<DB, Desc extends DescMessage = DescMessage> = (
  event: MessageShape<Desc>,
  ctx: EventContext<DB>,
) => Promise<void>;

/** Handlers for one topic, by event message; an event without a handler is acknowledged and ignored. */
export interface TopicHandlers<DB> {
  topic: Topic;
  handlers: ReadonlyArray<HandlerBinding<DB>>;
}

export interface HandlerBinding<DB> {
  schema: DescMessage;
  handle: EventHandler<DB, DescMessage>;
}

/** Binds a handler to its event message with the message's type checked. */
export function on<DB, Desc extends DescMessage>(schema: Desc, handle: EventHandler<DB, Desc>): HandlerBinding<DB> {
  return { schema, handle: handle as unknown as EventHandler<DB, DescMessage> };
}

export interface EventConsumerOptions<DB> {
  kafka: Kafka;
  /** Also the inbox's consumer name: one effect per event id per group. */
  groupId: string;
  db: Kysely<DB & InboxTables>;
  subscriptions: ReadonlyArray<TopicHandlers<DB>>;
  /** Used for the dead-letter topic. */
  producer: Producer;
  logger: Logger;
  topicPrefix?: string;
  maxAttempts?: number;
  retryBaseMs?: number;
  partitionsConsumedConcurrently?: number;
  /** kafkajs session timeout; tests shorten it so rebalances are quick. */
  sessionTimeoutMs?: number;
  /**
   * Longest a fetch waits for data (kafkajs maxWaitTimeInMs). Real brokers answer as soon as data arrives;
   * the development broker always waits this long, so it bounds the delivery delay there.
   */
  maxWaitTimeMs?: number;
  /** Told about every event after its transaction committed: for metrics, and for tests to observe redelivery. */
  onHandled?: (handled: HandledEvent) => void;
  /**
   * The service keeps erasure tombstones (the `erasures` table, see erasures.ts): events of an erased user
   * that occurred before the erasure are dropped instead of re-creating the user's rows.
   */
  honourErasures?: boolean;
}

export interface HandledEvent {
  topic: string;
  partition: number;
  offset: string;
  eventId: string;
  eventType: string;
  /** True when the inbox already had the event: redelivered, no second effect. */
  duplicate: boolean;
  /** True when the event was dropped because its user was erased after it occurred. */
  erased: boolean;
}

/**
 * Consumes the subscribed topics at least once, with each event's effect exactly once: the handler runs in a
 * transaction that also claims the event id in the inbox, and the offset is committed only after it returns.
 * A message that cannot be decoded, or whose handler keeps failing, goes to the dead-letter topic so the
 * partition moves on.
 */
export class EventConsumer<DB> {
  private readonly consumer: Consumer;
  private readonly options: EventConsumerOptions<DB>;
  private readonly byTopic: Map<string, TopicHandlers<DB>>;
  private stopping = false;

  constructor(options: EventConsumerOptions<DB>) {
    this.options = options;
    const prefix = options.topicPrefix ?? '';
    this.byTopic = new Map(options.subscriptions.map((s) => [prefix + s.topic.name, s]));
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 10)),
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.byTopic.keys()], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachMessage: (payload) => this.handle(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  /** Resolves once this member has been assigned partitions (or the group settled with none for it). */
  waitForAssignment(): Promise<void> {
    return new Promise((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
  }

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const subscription = this.byTopic.get(topic);
    const eventId = headerValue(message.headers, headerNames.eventId);
    const eventType = headerValue(message.headers, headerNames.eventType);
    const log = this.options.logger.child({ topic, partition, offset: message.offset, event_id: eventId, event_type: eventType });
    const park = (reason: DeadLetterReason, error?: unknown) => {
      log.error({ err: error, reason }, 'event sent to the dead-letter topic');
      return sendToDeadLetter(this.options.producer, { topic, partition, message, reason, error });
    };
    if (!subscription || !eventId || !eventType || !message.value) return park('missing_headers');
    const schema = eventSchema(subscription.topic, eventType);
    if (!schema) return park('unknown_event_type');
    const binding = subscription.handlers.find((h) => h.schema.typeName === eventType);
    if (!binding) return;
    let event: MessageShape<DescMessage>;
    try {
      event = fromBinary(schema, message.value);
    } catch (err) {
      return park('undecodable', err);
    }
    const occurred = headerValue(message.headers, headerNames.occurredAt);
    const parent = propagation.extract(context.active(), stringHeaders(message.headers));
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const occurredAt = occurred ? new Date(occurred) : new Date(Number(message.timestamp));
        const key = message.key?.toString('utf8') ?? '';
        const outcome = await context.with(parent, () =>
          this.options.db.transaction().execute(async (trx) => {
            if (!(await claimEvent(trx, this.options.groupId, eventId))) {
              log.debug('event already handled');
              return { duplicate: true, erased: false };
            }
            if (this.options.honourErasures) {
              const erased = await erasedAt(trx as unknown as Kysely<ErasureTables>, key);
              if (erased && erased.getTime() > occurredAt.getTime()) {
                log.info('event of an erased user dropped');
                return { duplicate: false, erased: true };
              }
            }
            await binding.handle(event, { eventId, occurredAt, key, trx: trx as unknown as Transaction<DB>, logger: log });
            return { duplicate: false, erased: false };
          }),
        );
        this.options.onHandled?.({ topic, partition, offset: message.offset, eventId, eventType, ...outcome });
        return;
      } catch (err) {
        if (attempt >= maxAttempts || this.stopping || err instanceof PermanentEventError) {
          if (this.stopping) throw err; // not committed: the next owner of the partition retries it
          return park('handler_failed', err);
        }
        const wait = (this.options.retryBaseMs ?? 100) * 2 ** (attempt - 1);
        log.warn({ err, attempt, retry_in_ms: wait }, 'event handler failed; retrying');
        await heartbeat();
        await delay(wait);
      }
    }
  }
}
