// A consumer in its own process that crashes (SIGKILL, no cleanup) right after its first effect committed:
// kafkajs commits offsets only at the end of a batch, so the offset of that event is never committed.
import pino from 'pino';
import { createDatabase } from '@omtobe/db';
import { UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import { EventConsumer, createKafka, on, topics } from '../src/index.ts';
import { schema, type TestDB } from './harness.ts';

const { DATABASE_URL, KAFKA_BROKERS, TOPIC_PREFIX, GROUP_ID } = process.env;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const { db } = createDatabase<TestDB>({ url: DATABASE_URL!, schema });
const kafka = createKafka({ brokers: KAFKA_BROKERS!.split(','), clientId: 'crashing-consumer', logger });
const producer = kafka.producer();
await producer.connect();
const consumer = new EventConsumer<TestDB>({
  kafka,
  groupId: GROUP_ID!,
  db,
  producer,
  logger,
  topicPrefix: TOPIC_PREFIX!,
  sessionTimeoutMs: 4_000,
  maxWaitTimeMs: 100,
  onHandled: () => process.kill(process.pid, 'SIGKILL'),
  subscriptions: [
    {
      topic: topics.users,
      handlers: [
        on(UserRegisteredSchema, async (event, { eventId, trx }) => {
          await trx.insertInto('effects').values({ event_id: eventId, user_id: event.userId, value: event.timezone }).execute();
        }),
      ],
    },
  ],
});
await consumer.start();
process.stdout.write('consuming\n');
