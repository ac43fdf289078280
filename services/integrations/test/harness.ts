// An in-process integrations service on the run's PostgreSQL and broker, with a test clock and local fake
// WHOOP, Google, Microsoft (identity platform + Graph), APNs and FCM servers behind the real clients: its consumers, outbox relay and RPCs. Background
// work runs when a test says so (runSyncs, runRevocations, runPushes), never on a timer.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { Code, ConnectError, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { sql } from 'kysely';
import pino from 'pino';
import { openServiceDatabase } from '@omtobe/db';
import { createKafka, startServiceEvents, topics, eventSchema, type HandledEvent, type Topic } from '@omtobe/events';
import { createErrorInterceptor, createLifecycle, loadConfig } from '@omtobe/platform';
import { IntegrationsService } from '@omtobe/proto/integrations/v1';
import { createTestDatabase, eventually, isSentinel, produceSentinel, publishTestEvent, TestClock, testKafkaBrokers } from '@omtobe/testing';
import { FakeApns, FakeFcm, FakeGoogle, FakeGraph, fakeProviderEnv, FakeWhoop } from '@omtobe/testing/fakes';
import { integrationsRoutes } from '../src/api/routes.ts';
import { configSchema, pushSendersFrom, settingsFrom } from '../src/config.ts';
import { promptsConsumer } from '../src/consumers/prompts.ts';
import { usersConsumer } from '../src/consumers/users.ts';
import { createTokenCipher, parseKeyring } from '../src/domain/token-cipher.ts';
import { createGoogleApi } from '../src/providers/google/google-api.ts';
import { createMicrosoft } from '../src/providers/microsoft/microsoft.ts';
import { createWhoopApi } from '../src/providers/whoop/whoop-api.ts';
import { createPushDispatcher, type PushDispatcher } from '../src/operations/push/deliver-pushes.ts';
import { createPushSenders } from '../src/operations/push/senders.ts';
import type { Deps } from '../src/operations/deps.ts';
import { schema, type Database } from '../src/store/database.ts';
import { migrations } from '../src/store/migrations/index.ts';
import { runDueRevocations } from '../src/work/revocations.ts';
import { runDueSyncs } from '../src/work/sync.ts';

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface PublishedEvent {
  topic: string;
  key: string;
  eventId: string;
  eventType: string;
  message: MessageShape<DescMessage>;
}

export interface HarnessOptions {
  start: Date;
  mode?: 'development' | 'production';
  /** Extra environment (e.g. MOCK_PROVIDERS=false). */
  env?: Record<string, string>;
}

export interface Harness {
  deps: Deps;
  clock: TestClock;
  databaseUrl: string;
  client: Client<typeof IntegrationsService>;
  whoop: FakeWhoop;
  google: FakeGoogle;
  /** Microsoft's identity platform and Graph; its deliveries reach HandleGraphNotification as the gateway passes them. */
  graph: FakeGraph;
  apns: FakeApns;
  fcm: FakeFcm;
  /** The push worker's dispatcher (senders = the real APNs and FCM clients pointed at the fakes). */
  pushes: PushDispatcher;
  /** Passes of the push worker until none claims anything, each one's sends awaited; returns how many were claimed. */
  runPushes(): Promise<number>;
  /** The key configured for tokens (kid:base64). */
  tokenKeys: string;
  /** Every inline wait the WHOOP client took (Retry-After, backoff), in ms. */
  sleeps: number[];
  /** Every inline wait the Graph client took (Retry-After, backoff), in ms; the fake's clock runs on by them. */
  graphSleeps: number[];
  /** Points the fake Graph's deliveries at HandleGraphNotification again (after `graph.reset()` or a test's own endpoint). */
  routeGraphDeliveries(): void;
  /** How often the service asked for its worker to wake. */
  wakes: () => number;
  /** Called on every wake (a test that runs the real worker points it at the worker). */
  onWake: () => void;
  runSyncs(): Promise<number>;
  runRevocations(): Promise<number>;
  /** Publishes a users.v1 event and waits until the service has handled it. */
  deliver<Desc extends DescMessage>(topic: Topic, key: string, schema: Desc, message: MessageShape<Desc>, eventId?: string): Promise<HandledEvent>;
  /** Waits until the published hrv.v1 / calendar.v1 events matching `filter` number at least `count`. */
  published<Desc extends DescMessage>(schema: Desc, filter: (m: MessageShape<Desc>, e: PublishedEvent) => boolean, count: number): Promise<Array<PublishedEvent & { message: MessageShape<Desc> }>>;
  allPublished(): PublishedEvent[];
  /**
   * Waits until everything the service has written for `key` so far is published and read: its outbox holds
   * nothing more for the key, then a sentinel with the key goes to hrv.v1 and calendar.v1 (the key's partition,
   * after its events) and the reader reaches both. allPublished() is then exact for the key: "nothing more" holds.
   */
  settled(key: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const database = await createTestDatabase('integrations');
  const [whoop, google, graph, apns, fcm] = await Promise.all([FakeWhoop.start(), FakeGoogle.start(), FakeGraph.start(), FakeApns.start(), FakeFcm.start()]);
  const providers = await fakeProviderEnv({ whoop, google, graph });
  const tokenKeys = `test-key:${randomBytes(32).toString('base64')}`;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const config = loadConfig(configSchema, {
    OMTOBE_MODE: options.mode ?? 'development',
    // Production needs the public keys of its callers (service-to-service authentication): a fresh gateway key.
    ...(options.mode === 'production' ? { SERVICE_PUBLIC_KEYS: `gateway=${generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}` } : {}),
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '4000',
    KAFKA_MAX_WAIT_MS: '100',
    OUTBOX_POLL_INTERVAL_MS: '200',
    MIGRATE_ON_START: 'true',
    TOKEN_ENCRYPTION_KEYS: tokenKeys,
    ...providers.env,
    ...apns.env(),
    ...fcm.env(),
    ...options.env,
  });
  const settings = settingsFrom(config);
  const lifecycle = createLifecycle({ logger });
  const { db, pool } = await openServiceDatabase<Database>({ config, schema, migrations, logger, lifecycle });
  const clock = new TestClock(options.start);
  const sleeps: number[] = [];
  const graphSleeps: number[] = [];
  let wakes = 0;
  const deps: Deps = {
    db,
    clock,
    logger,
    settings,
    cipher: createTokenCipher(parseKeyring(tokenKeys)),
    whoop: createWhoopApi({ ...settings.whoop!, clock, logger, maxInlineWaitMs: settings.maxInlineRetryWaitMs, sleep: async (ms) => void sleeps.push(ms) }),
    google: await createGoogleApi(settings.google!, clock, logger),
    microsoft: createMicrosoft(settings.microsoft!, { clock, logger, maxInlineWaitMs: settings.maxInlineRetryWaitMs, sleep: async (ms) => void graphSleeps.push(ms) }),
    wake: () => {
      wakes += 1;
      harness.onWake();
    },
  };
  const handled: HandledEvent[] = [];
  await startServiceEvents<Database>({
    config,
    logger,
    lifecycle,
    db,
    pool,
    subscriptions: [usersConsumer(deps), promptsConsumer(deps)],
    honourErasures: true,
    onHandled: (e) => handled.push(e),
  });
  const senders = await createPushSenders(pushSendersFrom(config), logger);
  const pushes = createPushDispatcher(deps, senders);

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'integrations-test', logger });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const seen: PublishedEvent[] = [];
  const sentinelsRead = new Set<string>();
  const reader: Consumer = kafka.consumer({ groupId: `reader-${prefix}`, maxWaitTimeInMs: 100, sessionTimeout: 6_000 });
  await reader.connect();
  await reader.subscribe({ topics: [prefix + topics.hrv.name, prefix + topics.calendar.name], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      if (isSentinel(message)) return void sentinelsRead.add(message.headers!['event-id']!.toString());
      const topicDef = topic.endsWith(topics.hrv.name) ? topics.hrv : topics.calendar;
      const eventType = message.headers?.['event-type']?.toString() ?? '';
      const schemaOf = eventSchema(topicDef, eventType);
      if (!schemaOf || !message.value) return;
      seen.push({ topic: topicDef.name, key: message.key?.toString() ?? '', eventId: message.headers?.['event-id']?.toString() ?? '', eventType, message: fromBinary(schemaOf, message.value) });
    },
  });

  const transport = createRouterTransport(integrationsRoutes(deps), { router: { interceptors: [createErrorInterceptor(logger)] } });
  const client = createClient(IntegrationsService, transport);
  // What the gateway's POST /api/v1/webhooks/microsoft does: the decoded validationToken and the raw body to the RPC,
  // its answer written as given; PERMISSION_DENIED → 403, INVALID_ARGUMENT → 400.
  const routeGraphDeliveries = () => {
    graph.now = () => new Date(clock.now().getTime() + graphSleeps.reduce((sum, ms) => sum + ms, 0));
    graph.endpoint = async ({ query, body }) => {
      try {
        const answer = await client.handleGraphNotification({ validationToken: query.get('validationToken') ?? '', body: Buffer.from(body) });
        return { status: answer.status, contentType: answer.contentType, body: answer.body };
      } catch (error) {
        const e = ConnectError.from(error);
        const status = e.code === Code.PermissionDenied ? 403 : e.code === Code.InvalidArgument ? 400 : 500;
        return { status, contentType: 'application/json', body: JSON.stringify({ error: { code: e.code, message: e.rawMessage } }) };
      }
    };
  };
  routeGraphDeliveries();
  const harness: Harness = {
    deps,
    clock,
    databaseUrl: database.url,
    client,
    whoop,
    google,
    graph,
    routeGraphDeliveries,
    apns,
    fcm,
    pushes,
    runPushes: () => passesToTheEnd(pushes),
    tokenKeys,
    sleeps,
    graphSleeps,
    wakes: () => wakes,
    onWake: () => {},
    runSyncs: () => runDueSyncs(deps),
    runRevocations: () => runDueRevocations(deps),
    async deliver(topic, key, schemaOf, message, eventId = randomUUID()) {
      const before = handled.filter((h) => h.eventId === eventId).length;
      await publishTestEvent(producer, { topic: prefix + topic.name, key, schema: schemaOf, message, eventId });
      const found = await eventually(() => handled.filter((h) => h.eventId === eventId), (list) => list.length > before);
      return found[found.length - 1]!;
    },
    async published(schemaOf, filter, count) {
      const matching = () => seen.filter((e) => e.eventType === schemaOf.typeName && filter(e.message as never, e));
      return (await eventually(matching, (list) => list.length >= count)) as never;
    },
    allPublished: () => [...seen],
    async settled(key) {
      await eventually(async () => (await deps.db.selectFrom('outbox').select('id').where('key', '=', key).execute()).length, (n) => n === 0);
      const ids = await Promise.all([topics.hrv, topics.calendar].map((t) => produceSentinel(producer, prefix + t.name, key)));
      await eventually(() => ids.every((id) => sentinelsRead.has(id)), Boolean);
    },
    async close() {
      await reader.disconnect();
      await producer.disconnect();
      apns.releaseHanging();
      await pushes.drain();
      await senders.close();
      await lifecycle.shutdown('test done');
      await Promise.all([whoop.close(), google.close(), graph.close(), apns.close(), fcm.close()]);
      await providers.remove();
      await database.drop();
    },
  };
  return harness;
}

/** Passes of a push dispatcher until one claims nothing, each one's sends awaited; returns how many were claimed. */
export async function passesToTheEnd(dispatcher: PushDispatcher): Promise<number> {
  let total = 0;
  for (;;) {
    const { claimed, settled } = await dispatcher.runOnce();
    await settled;
    if (claimed === 0) return total;
    total += claimed;
  }
}

/**
 * A clean slate for one test of a file that shares a harness, so that any test runs alone or in any order: the
 * clock at `at`, the fake WHOOP and Google empty (the WHOOP limits back to WHOOP's defaults), no connection, push
 * channel or queued revocation left by another test, the service's own logger, and a fresh WHOOP client (its
 * rate-limit pause is process state). The fakes run on the test clock; the WHOOP client's inline waits are recorded
 * instead of slept, so the fake WHOOP counts them as time gone by. Tests then connect what they need, with user
 * ids of their own.
 */
export async function freshProviders(h: Harness, at: Date): Promise<void> {
  h.clock.set(at);
  h.whoop.reset();
  h.google.reset();
  h.sleeps.length = 0;
  h.whoop.now = () => new Date(h.clock.now().getTime() + h.sleeps.reduce((sum, ms) => sum + ms, 0));
  h.google.now = () => h.clock.now();
  await sql`truncate connections, calendar_channels, revocations`.execute(h.deps.db);
  h.deps.logger = logger;
  h.deps.whoop = createWhoopApi({
    ...h.deps.settings.whoop!,
    clock: h.clock,
    logger,
    maxInlineWaitMs: h.deps.settings.maxInlineRetryWaitMs,
    sleep: async (ms) => void h.sleeps.push(ms),
  });
}

/**
 * One harness for the tests of a file (or of a describe block): started before them and handed to `use` (which may prepare it further),
 * closed after them. With `fresh`, every test starts from the clean slate it makes, so any test runs alone or in any
 * order.
 */
export function harnessPerFile<H extends { close(): Promise<void> }>(start: () => Promise<H>, use: (h: H) => unknown, fresh?: (h: H) => Promise<void>): void {
  let h: H | undefined;
  beforeAll(async () => {
    h = await start();
    await use(h);
  });
  if (fresh) {
    beforeEach(async () => {
      await fresh(h!);
    });
  }
  afterAll(async () => {
    await h?.close();
  });
}

/** The provider suites' harness: the real providers' clients on the fakes (mock providers off), freshProviders(at) before each test. */
export function providersPerFile(at: Date, use: (h: Harness) => unknown): void {
  harnessPerFile(() => startHarness({ start: at, env: { MOCK_PROVIDERS: 'false' } }), use, (h) => freshProviders(h, at));
}

export { topics };
