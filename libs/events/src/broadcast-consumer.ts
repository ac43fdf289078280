import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Lifecycle, Logger } from '@omtobe/platform';
import { ConsumerSupervision } from './consumer-supervision.ts';
import { headerNames, headerValue } from './headers.ts';
import { createKafka, kafkaSecurity, type KafkaSecurityConfig } from './kafka.ts';
import { eventSchema, type Topic } from './topics.ts';

/** The envelope of a heard event (the record key is the user id). */
export interface HeardEvent {
  eventId: string;
  key: string;
  occurredAt: Date;
}

/** Called for each event of its message type, synchronously: a listener hands the event on and returns. */
export type BroadcastListener<Desc extends DescMessage = DescMessage> = (event: MessageShape<Desc>, heard: HeardEvent) => void;

export interface BroadcastBinding {
  schema: DescMessage;
  listen: BroadcastListener;
}

/** What one topic's events mean to this process; events without a listener are skipped. */
export interface BroadcastSubscription {
  topic: Topic;
  listeners: readonly BroadcastBinding[];
}

/** Binds a listener to its event message with the message's type checked. */
export function hear<Desc extends DescMessage>(schema: Desc, listen: BroadcastListener<Desc>): BroadcastBinding {
  return { schema, listen: listen as unknown as BroadcastListener };
}

/**
 * A consumer group id of its own for this process: `<prefix><hostname>-<random>`. The random part keeps two
 * processes on one host (and a restarted pod, whose old group may linger) apart; the prefix is what the broker's
 * ACL grants (a `prefix` group pattern).
 */
export function broadcastGroupId(prefix: string, hostname = os.hostname()): string {
  return `${prefix}${hostname.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100)}-${randomBytes(4).toString('hex')}`;
}

export interface BroadcastConsumerOptions {
  kafka: Kafka;
  /** Unique to this process (broadcastGroupId): every process hears every partition. */
  groupId: string;
  subscriptions: readonly BroadcastSubscription[];
  logger: Logger;
  topicPrefix?: string;
  sessionTimeoutMs?: number;
  maxWaitTimeMs?: number;
  restartDelayMs?: number;
}

/**
 * Hears every event of its topics in every process that runs one, as they are published: each process is the
 * only member of its own group, so it is assigned every partition, and a new group starts at the latest offset
 * (what was published before is not its business). For state held in memory per process, such as open client
 * streams; nothing here is stored, so there is no inbox and no outbox, and an event that cannot be decoded is
 * logged and skipped: it never goes to a dead-letter topic (this consumer has no write access to any).
 *
 * At most once per process lifetime: offsets are committed as usual, so a consumer restarted after a broker
 * outage (ConsumerSupervision) resumes where its group left off if the broker still knows the group, and from the
 * latest offset if it forgot it. A new process starts from the latest offset: whoever depends on it must get the
 * current state another way first (a stream client gets it when it connects).
 */
export class BroadcastConsumer {
  readonly groupId: string;
  private readonly options: BroadcastConsumerOptions;
  private readonly byTopic: Map<string, BroadcastSubscription>;
  private readonly supervision: ConsumerSupervision;
  private listening = false;
  private readonly listenWaiters: Array<() => void> = [];

  constructor(options: BroadcastConsumerOptions) {
    this.options = options;
    this.groupId = options.groupId;
    const prefix = options.topicPrefix ?? '';
    this.byTopic = new Map(options.subscriptions.map((s) => [prefix + s.topic.name, s]));
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.supervision = new ConsumerSupervision({
      create: () => {
        const consumer = options.kafka.consumer({
          groupId: options.groupId,
          sessionTimeout,
          heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 10)),
          maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
        });
        this.watchListening(consumer);
        return consumer;
      },
      run: (consumer) => this.run(consumer),
      logger: options.logger,
      ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    });
  }

  /** Joins in the background: the process serves meanwhile. */
  start(): void {
    this.supervision.start();
  }

  async stop(): Promise<void> {
    await this.supervision.stop();
    this.listening = false;
    for (const resolve of this.listenWaiters.splice(0)) resolve();
  }

  /** Since when (epoch ms) the consumer has not been a member of its group; undefined while it is one. */
  downSince(): number | undefined {
    return this.supervision.downSince();
  }

  /**
   * Resolves once the consumer has joined and fetched since (its starting offsets are then fixed): an event
   * published after that is heard. Resolves at once when that is already so, and on stop.
   */
  whenListening(): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve) => this.listenWaiters.push(resolve));
  }

  private watchListening(consumer: Consumer): void {
    // kafkajs resolves a new group's starting offsets in its first fetch after the join.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.listening = false;
    });
    consumer.on(consumer.events.CRASH, () => {
      this.listening = false;
    });
    consumer.on(consumer.events.FETCH, () => {
      if (this.listening) return;
      this.listening = true;
      for (const resolve of this.listenWaiters.splice(0)) resolve();
    });
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.byTopic.keys()], fromBeginning: false });
    await consumer.run({ eachMessage: async ({ topic, partition, message }) => this.deliver(topic, partition, message) });
  }

  private deliver(topic: string, partition: number, message: KafkaMessage): void {
    const subscription = this.byTopic.get(topic);
    const eventId = headerValue(message.headers, headerNames.eventId);
    const eventType = headerValue(message.headers, headerNames.eventType);
    const log = () => this.options.logger.child({ topic, partition, offset: message.offset, event_id: eventId, event_type: eventType });
    if (!subscription || !eventId || !eventType || !message.value) return void log().warn('message without an event envelope skipped');
    const schema = eventSchema(subscription.topic, eventType);
    if (!schema) return void log().warn('event of a type the topic does not carry skipped');
    const binding = subscription.listeners.find((l) => l.schema.typeName === eventType);
    if (!binding) return;
    let event: MessageShape<DescMessage>;
    try {
      event = fromBinary(schema, message.value);
    } catch (err) {
      return void log().warn({ err }, 'undecodable event skipped');
    }
    const occurred = headerValue(message.headers, headerNames.occurredAt);
    const heard: HeardEvent = {
      eventId,
      key: message.key?.toString('utf8') ?? '',
      occurredAt: occurred ? new Date(occurred) : new Date(Number(message.timestamp)),
    };
    try {
      binding.listen(event, heard);
    } catch (err) {
      // Nothing to retry into: a listener's bug must not stop every other listener's events.
      log().error({ err }, 'broadcast listener failed');
    }
  }
}

export interface StartBroadcastOptions {
  config: KafkaSecurityConfig & {
    KAFKA_BROKERS: readonly string[];
    KAFKA_TOPIC_PREFIX: string;
    KAFKA_SESSION_TIMEOUT_MS: number;
    KAFKA_MAX_WAIT_MS: number;
    SERVICE_NAME: string;
  };
  /** The group id's prefix, as the broker's ACL grants it (e.g. `gateway-streams-`). */
  groupIdPrefix: string;
  subscriptions: readonly BroadcastSubscription[];
  logger: Logger;
  lifecycle: Lifecycle;
}

/**
 * A broadcast consumer on the service's brokers, with the service's credentials, in a group of its own, started
 * in the background and stopped through the lifecycle.
 */
export function startBroadcastConsumer(options: StartBroadcastOptions): BroadcastConsumer {
  const { config, logger } = options;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.SERVICE_NAME, logger, security: kafkaSecurity(config) });
  const consumer = new BroadcastConsumer({
    kafka,
    groupId: broadcastGroupId(options.groupIdPrefix),
    subscriptions: options.subscriptions,
    logger: logger.child({ component: 'broadcast-consumer' }),
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    maxWaitTimeMs: config.KAFKA_MAX_WAIT_MS,
  });
  consumer.start();
  logger.info({ group_id: consumer.groupId }, 'broadcast consumer started');
  options.lifecycle.onStop('broadcast consumer', () => consumer.stop());
  return consumer;
}
