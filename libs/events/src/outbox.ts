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
 * A list of events that may mix message types, each element checked on its own (its message must be of
 * its schema), which `OutboxEvent<DescMessage>[]` would not do.
 */
export type OutboxEvents<Descs extends readonly DescMessage[]> = { readonly [K in keyof Descs]: OutboxEvent<Descs[K]> };

/** Rows per INSERT: far below Postgres's 65,535 bind parameters (7 a row), and still one round trip for any real batch. */
const MAX_ROWS_PER_INSERT = 1_000;

/**
 * Writes an event in the caller's transaction: it is published only if that transaction commits.
 * The NOTIFY is transactional too, so the relay wakes exactly when there is something to publish.
 */
export async function enqueueEvent<DB extends OutboxTables, Desc extends DescMessage>(
  trx: Kysely<DB> | Transaction<DB>,
  event: OutboxEvent<Desc>,
): Promise<string> {
  const [eventId] = await enqueueEvents(trx, [event]);
  return eventId!;
}

/**
 * Writes events in the caller's transaction with one multi-row INSERT (per 1,000 events) and one NOTIFY,
 * whatever their number: a batch costs two statements, not two per event. The rows take outbox ids in
 * list order, so the relay publishes them in that order. Every event is checked before anything is
 * written; an empty list writes nothing. Returns the event ids, in list order.
 */
export async function enqueueEvents<DB extends OutboxTables, const Descs extends readonly DescMessage[]>(
  trx: Kysely<DB> | Transaction<DB>,
  events: OutboxEvents<Descs>,
): Promise<string[]> {
  // Kysely's database types are invariant; the constraint above guarantees the outbox table exists.
  const db = trx as unknown as Kysely<OutboxTables>;
  const list = events as readonly OutboxEvent<DescMessage>[];
  for (const event of list) {
    if (!event.topic.events.includes(event.schema)) {
      throw new Error(`${event.schema.typeName} is not an event of topic ${event.topic.name}`);
    }
  }
  if (list.length === 0) return [];
  const headers = currentTraceHeaders();
  const rows = list.map((event) => ({
    event_id: event.eventId ?? randomUUID(),
    topic: event.topic.name,
    key: event.key,
    event_type: event.schema.typeName,
    payload: Buffer.from(toBinary(event.schema, event.message)),
    headers,
    occurred_at: event.occurredAt,
  }));
  // A multi-row VALUES draws the bigserial ids row by row, in list order (outbox.int.spec.ts checks it).
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
    await db.insertInto('outbox').values(rows.slice(i, i + MAX_ROWS_PER_INSERT)).execute();
  }
  await sql`select pg_notify(${outboxChannel}, current_schema())`.execute(db);
  return rows.map((r) => r.event_id);
}
