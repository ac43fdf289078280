// Shared by the events integration tests and the crashing-consumer child process.
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { addErasureRegistration, createErasuresTable, createInboxTable, createOutboxTable, type ErasureTables, type InboxTables, type OutboxTables } from '../src/index.ts';

export const schema = 'events_test';

export interface EffectsTable {
  event_id: string;
  user_id: string;
  value: string;
}

export type TestDB = OutboxTables & InboxTables & ErasureTables & { effects: EffectsTable };

const createEffectsTable: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create table effects (event_id text not null, user_id text not null, value text not null)`.execute(db);
  },
};

export const migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_effects': createEffectsTable,
  '0004_erasures': createErasuresTable,
  '0005_erasure_registration': addErasureRegistration,
};

import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import pino from 'pino';
import type pg from 'pg';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { createTestDatabase, testKafkaBrokers } from '@omtobe/testing';
import { createKafka } from '../src/index.ts';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Harness {
  db: Kysely<TestDB>;
  pool: pg.Pool;
  databaseUrl: string;
  brokers: string[];
  kafka: Kafka;
  producer: Producer;
  /** Topics of this test file are `<prefix><topic>`: files never see each other's messages. */
  prefix: string;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  const database = await createTestDatabase('events');
  const { db, pool, close } = createDatabase<TestDB>({ url: database.url, schema });
  await migrateToLatest({ db, schema, migrations });
  const brokers = testKafkaBrokers();
  const kafka = createKafka({ brokers, clientId: 'events-test', logger: silentLogger });
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  await producer.connect();
  return {
    db,
    pool,
    databaseUrl: database.url,
    brokers,
    kafka,
    producer,
    prefix: `t${randomUUID().slice(0, 8)}.`,
    async close() {
      await producer.disconnect();
      await close();
      await database.drop();
    },
  };
}

export interface Received {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Reads a topic from the beginning until `done` says so, or fails after the deadline. */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  done: (received: Received[]) => boolean,
  timeoutMs = 20_000,
): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const received: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}: ${received.length} messages`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          received.push({ topic: t, partition, message });
          if (done(received)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}
