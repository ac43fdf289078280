import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { applyEvents, type ApplyOptions, type EventOutcome } from './apply-events.ts';
import { ConsumerSupervision } from './consumer-supervision.ts';
import { sendToDeadLetter, type DeadLetterReason } from './dead-letter.ts';
import { decodeDelivery, type Delivery } from './delivery.ts';
import type { TopicHandlers } from './handlers.ts';
import { headerNames, headerValue } from './headers.ts';
import type { InboxTables } from './inbox.ts';
import { retrySteps, type RetryPolicy } from './retry-policy.ts';

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
  /**
   * Events of one partition handled in one transaction (one inbox insert, one commit). When any of them
   * fails, the transaction rolls back and they are handled one by one, with retries and the dead-letter topic.
   */
  maxEventsPerTransaction?: number;
  /** Longest wait between two tries of an event while the database is unreachable (tries go on until it is back). */
  maxRetryDelayMs?: number;
  /** First wait before a crashed consumer is replaced (doubling up to 5 s). */
  restartDelayMs?: number;
  /** Told about every event after its transaction committed: for metrics, and for tests to observe redelivery. */
  onHandled?: (handled: HandledEvent) => void;
  /**
   * The service keeps erasure tombstones (the `erasures` table, see erasures.ts): events of an erased user that
   * belong to the erased registration (or, naming none, occurred before the erasure) are dropped instead of
   * re-creating the user's rows.
   */
  honourErasures?: boolean;
}

export interface HandledEvent extends EventOutcome {
  topic: string;
  partition: number;
  offset: string;
  eventId: string;
  eventType: string;
}

/** What a batch's handling needs from kafkajs while it waits and retries. */
interface BatchControl {
  heartbeat: () => Promise<void>;
  /** False after a rebalance took the partition away or on shutdown: what is not committed is the next owner's. */
  owned: () => boolean;
}

/**
 * Consumes the subscribed topics at least once, with each event's effect exactly once: handlers run in a
 * transaction that also claims the events' ids in the inbox, and offsets are committed only after it
 * commits. A partition's events are handled in order, several per transaction (see
 * `maxEventsPerTransaction`). A message that cannot be decoded, or whose handler keeps failing, goes to the
 * dead-letter topic so the partition moves on; while the database is unreachable, events wait for it instead.
 * The kafkajs consumer itself is supervised (consumer-supervision.ts): it comes back after any crash.
 */
export class EventConsumer<DB> {
  private readonly supervision: ConsumerSupervision;
  private readonly options: EventConsumerOptions<DB>;
  private readonly byTopic: Map<string, TopicHandlers<DB>>;
  private readonly retryPolicy: RetryPolicy;
  private stopping = false;

  constructor(options: EventConsumerOptions<DB>) {
    this.options = options;
    const prefix = options.topicPrefix ?? '';
    this.byTopic = new Map(options.subscriptions.map((s) => [prefix + s.topic.name, s]));
    this.retryPolicy = { maxAttempts: options.maxAttempts ?? 5, retryBaseMs: options.retryBaseMs ?? 100, maxRetryDelayMs: options.maxRetryDelayMs ?? 5_000 };
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.supervision = new ConsumerSupervision({
      create: () =>
        options.kafka.consumer({
          groupId: options.groupId,
          sessionTimeout,
          heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 10)),
          maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
        }),
      run: (consumer) => this.run(consumer),
      logger: options.logger,
      ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    });
  }

  /** Starts consuming in the background: the group join (seconds) does not hold up the caller. */
  start(): void {
    this.stopping = false;
    this.supervision.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.supervision.stop();
  }

  /** Resolves at this member's next join of its group (partitions assigned, or the group settled with none for it). */
  waitForAssignment(): Promise<void> {
    return this.supervision.nextJoin();
  }

  /** Since when (epoch ms) the consumer has not been a member of its group; undefined while it is one. */
  downSince(): number | undefined {
    return this.supervision.downSince();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.byTopic.keys()], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      // Offsets are resolved here, chunk by chunk, only after the chunk's transaction committed.
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const size = Math.max(1, this.options.maxEventsPerTransaction ?? 100);
    const control: BatchControl = { heartbeat, owned: () => isRunning() && !isStale() && !this.stopping };
    for (let from = 0; from < batch.messages.length; from += size) {
      if (!control.owned()) return;
      const chunk = batch.messages.slice(from, from + size);
      await this.handleChunk(batch.topic, batch.partition, chunk, control);
      resolveOffset(chunk.at(-1)!.offset);
      await heartbeat();
      await commitOffsetsIfNecessary();
    }
  }

  /** Parks what cannot be handled, then handles the rest together, or one by one if together fails. */
  private async handleChunk(topic: string, partition: number, messages: KafkaMessage[], control: BatchControl): Promise<void> {
    const deliveries: Array<Delivery<DB>> = [];
    for (const message of messages) {
      const decoded = decodeDelivery(this.byTopic.get(topic), message);
      if (decoded === undefined) continue;
      if ('reason' in decoded) await this.park(topic, partition, message, decoded.reason, decoded.error);
      else deliveries.push(decoded);
    }
    if (deliveries.length > 1) {
      try {
        const outcomes = await this.handleTogether(topic, partition, deliveries);
        deliveries.forEach((d, i) => this.handled(topic, partition, d, outcomes[i]!));
        return;
      } catch (err) {
        if (this.stopping) throw err; // not committed: the next owner of the partition retries them
        this.options.logger.warn({ err, topic, partition, events: deliveries.length }, 'handling events together failed; handling them one by one');
      }
    }
    for (const delivery of deliveries) await this.handleOne(topic, partition, delivery, control);
  }

  /** All in one transaction (see apply-events.ts); throws when any handler does, and nothing is committed. */
  private handleTogether(topic: string, partition: number, deliveries: Array<Delivery<DB>>): Promise<EventOutcome[]> {
    return this.options.db.transaction().execute((trx) => applyEvents(trx, deliveries, this.applyOptions(topic, partition)));
  }

  /**
   * One event in its own transaction, tried again as retry-policy.ts decides; parked when its handler keeps
   * failing. While the database is unreachable the event waits for it as long as this member owns the partition.
   */
  private async handleOne(topic: string, partition: number, delivery: Delivery<DB>, control: BatchControl): Promise<void> {
    const nextStep = retrySteps(this.retryPolicy);
    for (;;) {
      try {
        const [outcome] = await this.handleTogether(topic, partition, [delivery]);
        this.handled(topic, partition, delivery, outcome!);
        return;
      } catch (err) {
        if (this.stopping) throw err; // not committed: the next owner of the partition retries it
        const step = nextStep(err);
        if (step.action === 'park') return this.park(topic, partition, delivery.message, 'handler_failed', err);
        const logger = this.logger(topic, partition, delivery.message);
        if (step.action === 'wait_for_database') {
          logger.warn({ err, tries: step.tries, retry_in_ms: step.waitMs }, 'database unavailable; the event waits for it');
        } else {
          logger.warn({ err, attempt: step.attempt, retry_in_ms: step.waitMs }, 'event handler failed; retrying');
        }
        await control.heartbeat();
        if (step.action === 'wait_for_database' && !control.owned()) throw err;
        await delay(step.waitMs);
      }
    }
  }

  private applyOptions(topic: string, partition: number): ApplyOptions {
    return {
      groupId: this.options.groupId,
      honourErasures: this.options.honourErasures ?? false,
      loggerFor: (message) => this.logger(topic, partition, message),
    };
  }

  private handled(topic: string, partition: number, d: Delivery<DB>, outcome: EventOutcome): void {
    this.options.onHandled?.({ topic, partition, offset: d.message.offset, eventId: d.eventId, eventType: d.eventType, ...outcome });
  }

  /** A logger naming the message: made only when something is logged (most events log nothing). */
  private logger(topic: string, partition: number, message: KafkaMessage): Logger {
    return this.options.logger.child({
      topic,
      partition,
      offset: message.offset,
      event_id: headerValue(message.headers, headerNames.eventId),
      event_type: headerValue(message.headers, headerNames.eventType),
    });
  }

  private park(topic: string, partition: number, message: KafkaMessage, reason: DeadLetterReason, error?: unknown): Promise<void> {
    this.logger(topic, partition, message).error({ err: error, reason }, 'event sent to the dead-letter topic');
    return sendToDeadLetter(this.options.producer, { topic, partition, message, reason, error });
  }
}
