import { setTimeout as delay } from 'node:timers/promises';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { context } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { isTransientFailure } from '@omtobe/platform';
import { ConsumerSupervision } from './consumer-supervision.ts';
import { sendToDeadLetter, type DeadLetterReason } from './dead-letter.ts';
import { decodeDelivery, type Delivery } from './delivery.ts';
import { headerNames, headerValue } from './headers.ts';
import { erasedBy, erasuresOf, lockUsersShared, type Erasure, type ErasureTables } from './erasures.ts';
import { claimEvent, claimEvents, type InboxTables } from './inbox.ts';
import type { Topic } from './topics.ts';

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
  /**
   * Runs `work` once in this transaction, after its last event and before it commits, however many of its
   * events ask with the same `key` (the first one asked wins; all must mean the same work). For state derived
   * from many events, such as a baseline: a batch of samples of one user recomputes it once.
   */
  deferOnce(key: string, work: () => Promise<void>): void;
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
  /** The registration of the user the event belongs to, for erasure tombstones (see BindingOptions). */
  registration?: (event: MessageShape<DescMessage>) => Timestamp | undefined;
}

export interface BindingOptions<Desc extends DescMessage> {
  /**
   * Where the event names the registration of its user it belongs to (e.g. `registered_at`): with erasure
   * tombstones, an event of the erased registration or an earlier one is dropped whenever it occurred
   * (erasures.ts `erasedBy`). Events that name none are judged by when they occurred.
   */
  registration?: (event: MessageShape<Desc>) => Timestamp | undefined;
}

/** Binds a handler to its event message with the message's type checked. */
export function on<DB, Desc extends DescMessage>(schema: Desc, handle: EventHandler<DB, Desc>, options: BindingOptions<Desc> = {}): HandlerBinding<DB> {
  return {
    schema,
    handle: handle as unknown as EventHandler<DB, DescMessage>,
    ...(options.registration ? { registration: options.registration as (event: MessageShape<DescMessage>) => Timestamp | undefined } : {}),
  };
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

export interface HandledEvent {
  topic: string;
  partition: number;
  offset: string;
  eventId: string;
  eventType: string;
  /** True when the inbox already had the event: redelivered, no second effect. */
  duplicate: boolean;
  /** True when the event was dropped because its user was erased (see EventConsumerOptions.honourErasures). */
  erased: boolean;
}

type Outcome = Pick<HandledEvent, 'duplicate' | 'erased'>;

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
  private stopping = false;

  constructor(options: EventConsumerOptions<DB>) {
    this.options = options;
    const prefix = options.topicPrefix ?? '';
    this.byTopic = new Map(options.subscriptions.map((s) => [prefix + s.topic.name, s]));
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

  /** One transaction for all: one inbox claim, one erasure lookup, the handlers in order, deferred work, commit. */
  private async handleTogether(topic: string, partition: number, deliveries: Array<Delivery<DB>>): Promise<Outcome[]> {
    return this.options.db.transaction().execute(async (trx) => {
      const claimed = await claimEvents(trx, this.options.groupId, deliveries.map((d) => d.eventId));
      const erasures = this.options.honourErasures ? await this.erasuresHeld(trx, deliveries.map((d) => d.key)) : new Map<string, Erasure>();
      const deferred = new Map<string, () => Promise<void>>();
      const outcomes: Outcome[] = [];
      for (const delivery of deliveries) {
        // A second copy of an event in the same chunk is a duplicate of the first.
        if (!claimed.delete(delivery.eventId)) {
          outcomes.push({ duplicate: true, erased: false });
          continue;
        }
        if (erasedBy(erasures.get(delivery.key), delivery)) {
          this.logger(topic, partition, delivery.message).info('event of an erased user dropped');
          outcomes.push({ duplicate: false, erased: true });
          continue;
        }
        await this.runHandler(topic, partition, delivery, trx, deferred);
        outcomes.push({ duplicate: false, erased: false });
      }
      for (const work of deferred.values()) await work();
      return outcomes;
    });
  }

  /**
   * One event in its own transaction, retried with backoff; parked when its handler keeps failing. A database
   * that is unreachable is no fault of the event: those tries are not counted, and the event waits for the
   * database for as long as this member owns the partition (parking it would lose it for the service).
   */
  private async handleOne(topic: string, partition: number, delivery: Delivery<DB>, control: BatchControl): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let unavailable = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await this.options.db.transaction().execute(async (trx): Promise<Outcome> => {
          if (!(await claimEvent(trx, this.options.groupId, delivery.eventId))) {
            this.logger(topic, partition, delivery.message).debug('event already handled');
            return { duplicate: true, erased: false };
          }
          if (this.options.honourErasures && erasedBy((await this.erasuresHeld(trx, [delivery.key])).get(delivery.key), delivery)) {
            this.logger(topic, partition, delivery.message).info('event of an erased user dropped');
            return { duplicate: false, erased: true };
          }
          const deferred = new Map<string, () => Promise<void>>();
          await this.runHandler(topic, partition, delivery, trx, deferred);
          for (const work of deferred.values()) await work();
          return { duplicate: false, erased: false };
        });
        this.handled(topic, partition, delivery, outcome);
        return;
      } catch (err) {
        if (this.stopping) throw err; // not committed: the next owner of the partition retries it
        if (isTransientFailure(err) && !(err instanceof PermanentEventError)) {
          attempt -= 1;
          unavailable += 1;
          const wait = Math.min(this.options.maxRetryDelayMs ?? 5_000, (this.options.retryBaseMs ?? 100) * 2 ** Math.min(unavailable - 1, 16));
          this.logger(topic, partition, delivery.message).warn({ err, tries: unavailable, retry_in_ms: wait }, 'database unavailable; the event waits for it');
          await control.heartbeat();
          if (!control.owned()) throw err;
          await delay(wait);
          continue;
        }
        if (attempt >= maxAttempts || err instanceof PermanentEventError) {
          return this.park(topic, partition, delivery.message, 'handler_failed', err);
        }
        const wait = (this.options.retryBaseMs ?? 100) * 2 ** (attempt - 1);
        this.logger(topic, partition, delivery.message).warn({ err, attempt, retry_in_ms: wait }, 'event handler failed; retrying');
        await control.heartbeat();
        await delay(wait);
      }
    }
  }

  private runHandler(
    topic: string,
    partition: number,
    d: Delivery<DB>,
    trx: Transaction<DB & InboxTables>,
    deferred: Map<string, () => Promise<void>>,
  ): Promise<void> {
    let logger: Logger | undefined;
    const makeLogger = () => this.logger(topic, partition, d.message);
    const ctx: EventContext<DB> = {
      eventId: d.eventId,
      occurredAt: d.occurredAt,
      key: d.key,
      trx: trx as unknown as Transaction<DB>,
      // Made only when a handler logs: most never do, and a child logger per event is not free.
      get logger() {
        return (logger ??= makeLogger());
      },
      deferOnce(key, work) {
        if (!deferred.has(key)) deferred.set(key, work);
      },
    };
    return context.with(d.parent, () => d.binding.handle(d.event, ctx));
  }

  /**
   * The users' erasures, with the users' locks held shared until the transaction ends: an erasure under way is
   * waited for (and then seen), and one that starts later waits for these events and deletes their rows too.
   */
  private async erasuresHeld(trx: Transaction<DB & InboxTables>, userIds: readonly string[]): Promise<Map<string, Erasure>> {
    const db = trx as unknown as Kysely<ErasureTables>;
    await lockUsersShared(db, userIds);
    return erasuresOf(db, userIds);
  }

  private handled(topic: string, partition: number, d: Delivery<DB>, outcome: Outcome): void {
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
