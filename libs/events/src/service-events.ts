import { z } from 'zod';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { Partitioners, type Producer } from 'kafkajs';
import { envBool, envInt, startRepeating, type HealthRegistry, type Lifecycle, type Logger } from '@omtobe/platform';
import { EventConsumer, type HandledEvent } from './consumer.ts';
import type { TopicHandlers } from './handlers.ts';
import { purgeErasures, type ErasureTables } from './erasures.ts';
import { purgeInbox, type InboxTables } from './inbox.ts';
import { createKafka, kafkaSaslMechanisms, kafkaSecurity, kafkaSecurityProblems, type KafkaSecurityConfig } from './kafka.ts';
import { OutboxRelay } from './outbox-relay.ts';

/** The Kafka variables every service reads (merged into its config schema). */
export const kafkaConfigSchema = z.object({
  /** Prepended to every topic name: lets several stacks or test files share one broker. */
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').default(''),
  KAFKA_SESSION_TIMEOUT_MS: envInt({ min: 3_000 }).default(10_000),
  KAFKA_MAX_WAIT_MS: envInt({ min: 10, max: 10_000 }).default(250),
  /**
   * How long the consumer may be out of its group (crashed, restarting, joining) before readiness says
   * NOT_SERVING. Longer than a rebalance, so a rolling restart of the brokers or of the service's own
   * replicas does not empty the balancer.
   */
  KAFKA_CONSUMER_DOWN_GRACE_MS: envInt({ min: 1_000 }).default(30_000),
  OUTBOX_POLL_INTERVAL_MS: envInt({ min: 50 }).default(1_000),
  /** How long handled event ids are remembered: longer than any topic keeps a message that could be redelivered. */
  INBOX_RETENTION_DAYS: envInt({ min: 1 }).default(14),
  // Broker security. The defaults are plaintext without a login, as the development broker and compose's Kafka
  // speak; Kubernetes sets TLS and SCRAM-SHA-512 with the credentials Strimzi creates (deploy/README.md, "Security").
  /** TLS to the brokers, verified against KAFKA_CA_FILE or else the system's trust store. */
  KAFKA_SSL: envBool().default(false),
  /** PEM file of the CA that signs the brokers' certificates (Strimzi: `<cluster>-cluster-ca-cert`, key ca.crt). */
  KAFKA_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(kafkaSaslMechanisms, { error: `must be one of ${kafkaSaslMechanisms.join(', ')}` }))
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** The password from a file (a mounted Secret): read again for each new connection, so a rotation needs no restart. */
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
});

/**
 * The rules between the Kafka security variables, for a service schema's `.superRefine(refineKafkaConfig)`:
 * spreading `kafkaConfigSchema.shape` into a service schema keeps each variable's own validation but not these.
 * startServiceEvents applies them again before it connects, so a service refuses to start either way.
 */
export function refineKafkaConfig(config: KafkaSecurityConfig, ctx: z.RefinementCtx): void {
  for (const { variable, message } of kafkaSecurityProblems(config)) ctx.addIssue({ code: 'custom', path: [variable], message });
}

export interface ServiceEventsOptions<DB> {
  /** The security variables may be left out (plaintext): tests and tools build this by hand. */
  config: Omit<z.output<typeof kafkaConfigSchema>, keyof KafkaSecurityConfig> & KafkaSecurityConfig & { KAFKA_BROKERS: readonly string[]; SERVICE_NAME: string };
  logger: Logger;
  lifecycle: Lifecycle;
  /** Readiness follows the consumer (dependency "kafka consumer") when given. */
  health?: HealthRegistry;
  db: Kysely<DB & InboxTables>;
  pool: pg.Pool;
  /** What the service consumes; none for a service that only publishes. */
  subscriptions?: ReadonlyArray<TopicHandlers<DB>>;
  onHandled?: (handled: HandledEvent) => void;
  /** The service keeps erasure tombstones: see EventConsumerOptions.honourErasures. */
  honourErasures?: boolean;
}

/**
 * Forgets the handled event ids, and with `honourErasures` the erasure tombstones, older than `retentionDays` before
 * `now` (INBOX_RETENTION_DAYS: longer than a topic keeps a record that could be delivered again). What a service
 * with consumers runs at start and every hour. Returns how many rows of each went.
 */
export async function purgeHandledEvents<DB>(
  db: Kysely<DB & InboxTables>,
  options: { retentionDays: number; honourErasures: boolean; now: Date },
): Promise<{ inbox: number; erasures: number }> {
  const olderThan = new Date(options.now.getTime() - options.retentionDays * 24 * 3_600_000);
  const inbox = await purgeInbox(db, olderThan);
  const erasures = options.honourErasures ? await purgeErasures(db as unknown as Kysely<ErasureTables>, olderThan) : 0;
  return { inbox, erasures };
}

/**
 * A service's Kafka side, started in order and stopped in reverse through the lifecycle:
 * producer → outbox relay → consumer (group = service name). On shutdown the consumer stops first,
 * then the relay publishes what is left, then the producer disconnects.
 *
 * Nothing here waits for the group to be joined: the consumer joins (and rejoins after any crash) in the
 * background, so the service serves as soon as its database is ready and its producer has connected.
 */
export async function startServiceEvents<DB>(options: ServiceEventsOptions<DB>): Promise<{ producer: Producer; relay: OutboxRelay }> {
  const { config, logger, lifecycle, db, pool } = options;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.SERVICE_NAME, logger, security: kafkaSecurity(config) });
  // One request in flight per broker: a retried send can never overtake the one after it.
  const producer = kafka.producer({
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 of the key, as Java clients: a user's records land on the same partition whoever produces them.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  // Once connected, kafkajs reconnects by itself after a broker outage (the relay retries meanwhile).
  await producer.connect();
  lifecycle.onStop('kafka producer', () => producer.disconnect());

  const relay = new OutboxRelay({
    db,
    pool,
    producer,
    logger: logger.child({ component: 'outbox' }),
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  });
  await relay.start();
  lifecycle.onStop('outbox relay (flush)', () => relay.stop());

  if (options.subscriptions && options.subscriptions.length > 0) {
    const consumer = new EventConsumer<DB>({
      kafka,
      groupId: config.SERVICE_NAME,
      db,
      producer,
      logger: logger.child({ component: 'consumer' }),
      subscriptions: options.subscriptions,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      maxWaitTimeMs: config.KAFKA_MAX_WAIT_MS,
      ...(options.onHandled ? { onHandled: options.onHandled } : {}),
      honourErasures: options.honourErasures ?? false,
    });
    consumer.start();
    lifecycle.onStop('kafka consumer', () => consumer.stop());
    const { health } = options;
    if (health) {
      const watch = setInterval(() => {
        const since = consumer.downSince();
        health.reportDependency('kafka consumer', since === undefined || Date.now() - since < config.KAFKA_CONSUMER_DOWN_GRACE_MS);
      }, 1_000);
      watch.unref();
      lifecycle.onStop('kafka consumer watch', () => clearInterval(watch));
    }
    // At start, then hourly: a replica restarted more often than hourly (deploys, rescheduling) still purges.
    const purge = startRepeating(
      () =>
        purgeHandledEvents(db, { retentionDays: config.INBOX_RETENTION_DAYS, honourErasures: options.honourErasures ?? false, now: new Date() }).catch(
          (err: unknown) => logger.warn({ err }, 'inbox purge failed'),
        ),
      { intervalMs: 3_600_000, immediately: true },
    );
    lifecycle.onStop('inbox purge', () => purge.stop());
  }
  return { producer, relay };
}
