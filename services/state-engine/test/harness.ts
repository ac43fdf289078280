// An in-process state engine on the run's PostgreSQL and broker: its consumers, outbox relay and RPCs,
// with a test clock. Events are published the way the other services' relays publish them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { Partitioners, type Producer } from 'kafkajs';
import pino from 'pino';
import { loadDevClock, openServiceDatabase } from '@omtobe/db';
import { createKafka, startServiceEvents, topics, type HandledEvent, type Topic } from '@omtobe/events';
import { createErrorInterceptor, createLifecycle } from '@omtobe/platform';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createTestDatabase, eventually, publishTestEvent, publishTestEvents, TestClock, testKafkaBrokers } from '@omtobe/testing';
import { stateEngineRoutes } from '../src/api/routes.ts';
import { calendarConsumer } from '../src/consumers/calendar.ts';
import { hrvConsumer } from '../src/consumers/hrv.ts';
import { usersConsumer } from '../src/consumers/users.ts';
import { defaultRules } from '../src/domain/index.ts';
import type { Deps } from '../src/operations/deps.ts';
import { schema, type Database } from '../src/store/database.ts';
import { migrations } from '../src/store/migrations/index.ts';

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface EngineHarness {
  deps: Deps;
  clock: TestClock;
  databaseUrl: string;
  client: Client<typeof StateEngineService>;
  kafka: ReturnType<typeof createKafka>;
  prefix: string;
  /** Publishes an event and waits until the state engine has handled it. */
  deliver<Desc extends DescMessage>(
    topic: Topic,
    key: string,
    schema: Desc,
    message: MessageShape<Desc>,
    eventId?: string,
    occurredAt?: Date,
  ): Promise<HandledEvent>;
  /** Publishes an event without waiting for it (one the engine will not handle, e.g. one it dead-letters); its event id. */
  publish<Desc extends DescMessage>(topic: Topic, key: string, schema: Desc, message: MessageShape<Desc>): Promise<string>;
  /** Publishes events of one topic in one request (one fetch for the engine) and waits until all are handled. */
  deliverAll(topic: Topic, key: string, events: ReadonlyArray<{ schema: DescMessage; message: MessageShape<DescMessage> }>): Promise<HandledEvent[]>;
  /** Work to do when the harness closes (before the broker connection and the database go). */
  onClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function startEngineHarness(start: Date): Promise<EngineHarness> {
  const database = await createTestDatabase('state_engine');
  const lifecycle = createLifecycle({ logger });
  const config = {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: 10,
    MIGRATE_ON_START: true,
    OMTOBE_MODE: 'development',
    SERVICE_NAME: 'state-engine',
    KAFKA_BROKERS: testKafkaBrokers(),
    KAFKA_TOPIC_PREFIX: `t${randomUUID().slice(0, 8)}.`,
    KAFKA_SESSION_TIMEOUT_MS: 4_000,
    KAFKA_MAX_WAIT_MS: 100,
    OUTBOX_POLL_INTERVAL_MS: 200,
    INBOX_RETENTION_DAYS: 14,
    KAFKA_CONSUMER_DOWN_GRACE_MS: 30_000,
  };
  const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle });
  const clock = new TestClock(start);
  // The engine reads the test clock through the development clock, so AdvanceClock works here too.
  const devClock = await loadDevClock(db, clock);
  const deps: Deps = { db, clock: devClock, rules: defaultRules, logger, devClock };
  const handled: HandledEvent[] = [];
  await startServiceEvents<Database>({
    config,
    logger,
    lifecycle,
    db,
    pool,
    subscriptions: [usersConsumer(defaultRules, devClock), hrvConsumer(defaultRules, devClock), calendarConsumer(defaultRules, devClock)],
    onHandled: (e) => handled.push(e),
    honourErasures: true,
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'state-engine-test', logger });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const closers: Array<() => Promise<void>> = [];
  const transport = createRouterTransport(stateEngineRoutes(deps), {
    router: { interceptors: [createErrorInterceptor(logger)] },
  });
  return {
    deps,
    clock,
    databaseUrl: database.url,
    client: createClient(StateEngineService, transport),
    kafka,
    prefix: config.KAFKA_TOPIC_PREFIX,
    async deliver(topic, key, schemaOf, message, eventId = randomUUID(), occurredAt = clock.now()) {
      const before = handled.filter((h) => h.eventId === eventId).length;
      await publishTestEvent(producer, { topic: config.KAFKA_TOPIC_PREFIX + topic.name, key, schema: schemaOf, message, eventId, occurredAt });
      const seen = await eventually(
        () => handled.filter((h) => h.eventId === eventId),
        (found) => found.length > before,
      );
      return seen[seen.length - 1]!;
    },
    async publish(topic, key, schemaOf, message) {
      const eventId = randomUUID();
      await publishTestEvent(producer, { topic: config.KAFKA_TOPIC_PREFIX + topic.name, key, schema: schemaOf, message, eventId, occurredAt: clock.now() });
      return eventId;
    },
    async deliverAll(topic, key, events) {
      const at = clock.now();
      const ids = await publishTestEvents(
        producer,
        config.KAFKA_TOPIC_PREFIX + topic.name,
        events.map(({ schema, message }) => ({ key, schema, message, occurredAt: at })),
      );
      const wanted = new Set(ids);
      return eventually(
        () => handled.filter((h) => wanted.has(h.eventId)),
        (found) => found.length >= ids.length,
      );
    },
    onClose(stop) {
      closers.push(stop);
    },
    async close() {
      for (const stop of closers.toReversed()) await stop();
      await producer.disconnect();
      await lifecycle.shutdown('test done');
      await database.drop();
    },
  };
}

/**
 * One harness for the tests of a file: started before them and handed to `use` (which may prepare it further),
 * closed after them. With `resetClock`, every test starts at `start`.
 */
export function harnessPerFile(start: Date, use: (h: EngineHarness) => unknown, options: { resetClock?: boolean } = {}): void {
  let h: EngineHarness | undefined;
  beforeAll(async () => {
    h = await startEngineHarness(start);
    await use(h);
  });
  if (options.resetClock) {
    beforeEach(() => {
      h?.clock.set(start);
    });
  }
  afterAll(async () => {
    await h?.close();
  });
}

export { topics };
