import { randomUUID } from 'node:crypto';
import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { sql, type Generated, type Kysely, type Transaction } from 'kysely';
import { currentTraceHeaders, type RecordHeaders } from './headers.ts';
import type { Topic } from './topics.ts';

export interface OutboxTable {
  id: Generated<string>;
  event_id: string;
  topic: string;
  key: string;
  event_type: string;
  payload: Uint8Array;
  headers: RecordHeaders;
  occurred_at: Date;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface OutboxTables {
  outbox: OutboxTable;
}

/** The notification channel a service's relay listens on; the payload is the schema that has new rows. */
export const outboxChannel = 'omtobe_outbox';

export interface OutboxEvent<Desc extends DescMessage> {
  topic: Topic;
  /** The record key: always the user id, so a user's events stay in order on one partition. */
  key: string;
  schema: Desc;
  message: MessageShape<Desc>;
  occurredAt: Date;
  /** A stable id when the caller has one (so a retried command enqueues once); a new UUID otherwise. */
  eventId?: string;
}

/**
 * Writes an event in the caller's transaction: it is published only if that transaction commits.
 * The NOTIFY is transactional too, so the relay wakes exactly when there is something to publish.
 */
export async function enqueueEvent<DB extends OutboxTables, Desc extends DescMessage>(
  trx: Kysely<DB> | Transaction<DB>,
  event: OutboxEvent<Desc>,
): Promise<string> {
  // Kysely's database types are invariant; the constraint above guarantees the outbox table exists.
  const db = trx as unknown as Kysely<OutboxTables>;
  if (!event.topic.events.includes(event.schema)) {
    throw new Error(`${event.schema.typeName} is not an event of topic ${event.topic.name}`);
  }
  const eventId = event.eventId ?? randomUUID();
  await db
    .insertInto('outbox')
    .values({
      event_id: eventId,
      topic: event.topic.name,
      key: event.key,
      event_type: event.schema.typeName,
      payload: Buffer.from(toBinary(event.schema, event.message)),
      headers: currentTraceHeaders(),
      occurred_at: event.occurredAt,
    })
    .execute();
  await sql`select pg_notify(${outboxChannel}, current_schema())`.execute(db);
  return eventId;
}
