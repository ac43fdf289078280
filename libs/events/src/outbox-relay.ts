import { sql, type Kysely } from 'kysely';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { headerNames } from './headers.ts';
import { outboxChannel, type OutboxTables } from './outbox.ts';

export interface OutboxRelayOptions {
  /** The service's database (any database with the outbox table). */
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A pool to take the one LISTEN connection from. */
  pool: pg.Pool;
  producer: Producer;
  logger: Logger;
  /** Topic names are prefixed on the wire (tests isolate themselves by prefix). */
  topicPrefix?: string;
  batchSize?: number;
  /** Polling is only the fallback for a missed notification. */
  pollIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Publishes the outbox in insertion order. One relay of a service publishes at a time (a transaction-scoped
 * advisory lock), which keeps every user's events in the order they were written even with several replicas;
 * rows are locked with FOR UPDATE SKIP LOCKED and deleted once Kafka acknowledged them. A failed send leaves
 * the rows where they are and the whole relay backs off, so no later event can overtake an earlier one.
 */
export class OutboxRelay {
  private readonly options: Required<Omit<OutboxRelayOptions, 'topicPrefix'>> & { topicPrefix: string };
  private listener: pg.PoolClient | undefined;
  private schema = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wanted = false;
  private stopped = true;
  private failures = 0;

  constructor(options: OutboxRelayOptions) {
    this.options = {
      topicPrefix: '',
      batchSize: 500,
      pollIntervalMs: 1_000,
      retryBaseMs: 200,
      // Short enough that a broker back from an outage gets the backlog within seconds.
      retryMaxMs: 5_000,
      ...options,
    };
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.schema = await this.currentSchema();
    await this.listen();
    this.wake();
  }

  /**
   * Takes one connection for LISTEN. When it dies (a database restart), it is let go and a new one is taken
   * at the next poll: notifications are only the fast path, polling keeps publishing meanwhile.
   */
  private async listen(): Promise<void> {
    const listener = await this.options.pool.connect();
    listener.on('notification', (n) => {
      if (n.payload === this.schema) this.wake();
    });
    listener.on('error', (err) => {
      if (this.listener !== listener) return;
      this.options.logger.warn({ err }, 'outbox listener connection lost; polling until it is back');
      this.listener = undefined;
      listener.release(err);
    });
    try {
      await listener.query(`LISTEN ${outboxChannel}`);
    } catch (err) {
      listener.release(err as Error);
      throw err;
    }
    this.listener = listener;
  }

  /** Stops waking, finishes the drain under way, then publishes what is left once more (flush). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.failures === 0) await this.drain().catch((err) => this.options.logger.warn({ err }, 'outbox flush failed'));
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${outboxChannel}`).catch(() => undefined);
      this.listener.release();
      this.listener = undefined;
    }
  }

  /** Asks for a drain soon; drains never overlap. */
  wake(): void {
    this.wanted = true;
    if (this.running || this.stopped) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.listener === undefined && !this.stopped) {
      await this.listen().catch((err: unknown) => this.options.logger.debug({ err }, 'outbox listener not back yet'));
    }
    while (this.wanted && !this.stopped) {
      this.wanted = false;
      try {
        await this.drain();
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (this.failures - 1));
        this.options.logger.warn({ err, attempt: this.failures, retry_in_ms: delay }, 'outbox publish failed');
        this.schedule(delay);
        return;
      }
    }
    this.schedule(this.options.pollIntervalMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }

  /** Publishes batches until the outbox is empty; throws when a send fails. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < this.options.batchSize) return total;
    }
  }

  private async publishBatch(): Promise<number> {
    const { producer, batchSize, topicPrefix } = this.options;
    const db = this.options.db as Kysely<OutboxTables>;
    // A failed send is returned, not thrown, so the attempt count written below commits.
    const result = await db.transaction().execute(async (trx): Promise<{ published: number; failure?: unknown }> => {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox')) as ok`.execute(trx);
      if (!lock.rows[0]?.ok) return { published: 0 };
      const rows = await trx
        .selectFrom('outbox')
        .selectAll()
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return { published: 0 };
      const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers: Record<string, string> }>>();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({
          key: row.key,
          value: Buffer.from(row.payload),
          headers: {
            ...row.headers,
            [headerNames.eventId]: row.event_id,
            [headerNames.eventType]: row.event_type,
            [headerNames.occurredAt]: row.occurred_at.toISOString(),
          },
        });
        byTopic.set(row.topic, messages);
      }
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: topicPrefix + topic, messages })),
        });
      } catch (err) {
        await trx
          .updateTable('outbox')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: String((err as Error).message).slice(0, 500) }))
          .where('id', '=', rows[0]!.id)
          .execute();
        return { published: 0, failure: err };
      }
      await trx
        .deleteFrom('outbox')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return { published: rows.length };
    });
    if (result.failure !== undefined) throw new OutboxPublishError(result.failure);
    return result.published;
  }

  private async currentSchema(): Promise<string> {
    const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(this.options.db);
    return result.rows[0]!.schema;
  }
}

export class OutboxPublishError extends Error {
  constructor(cause: unknown) {
    super(`publishing the outbox failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'OutboxPublishError';
  }
}
