import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create, fromBinary } from '@bufbuild/protobuf';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { HrvSampleRecordedSchema } from '@omtobe/proto/integrations/v1';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { createTestDatabase, eventually, type TestDatabase } from '@omtobe/testing';
import { createOutboxTable, enqueueEvent, enqueueEvents, outboxChannel, topics, type OutboxEvent, type OutboxTables } from './index.ts';

const schema = 'outbox_test';
const occurredAt = new Date('2026-06-10T12:00:00Z');

function timezoneChanged(userId: string, timezone: string): OutboxEvent<typeof UserTimezoneChangedSchema> {
  return { topic: topics.users, key: userId, schema: UserTimezoneChangedSchema, message: create(UserTimezoneChangedSchema, { userId, timezone }), occurredAt };
}

describe('outbox: enqueueEvents', () => {
  let database: TestDatabase;
  let db: Kysely<OutboxTables>;
  let pool: pg.Pool;
  let close: () => Promise<void>;
  /** Every statement the database ran, in order (kysely's query log). */
  const statements: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('outbox');
    ({ db, pool, close } = createDatabase<OutboxTables>({
      url: database.url,
      schema,
      log: (event) => {
        if (event.level === 'query') statements.push(event.query.sql);
      },
    }));
    await migrateToLatest({ db, schema, migrations: { '0001_outbox': createOutboxTable } });
  });
  afterAll(async () => {
    await close();
    await database.drop();
  });

  const rows = () => db.selectFrom('outbox').select(['id', 'event_id', 'key', 'event_type', 'payload']).orderBy('id').execute();

  it('writes a batch with one INSERT and one NOTIFY, ids ascending in list order, and returns the event ids in that order', async () => {
    await db.deleteFrom('outbox').execute();
    const listener = await pool.connect();
    const notifications: string[] = [];
    listener.on('notification', (n) => notifications.push(n.payload ?? ''));
    await listener.query(`listen ${outboxChannel}`);
    try {
      const users = Array.from({ length: 25 }, (_, i) => `user-${String(25 - i).padStart(2, '0')}`); // not in id or key order
      const events = [
        ...users.map((u, i) => timezoneChanged(u, `zone-${i}`)),
        // A different message type in the same list, checked against its own schema.
        { topic: topics.users, key: 'user-del', schema: UserDeletedSchema, message: create(UserDeletedSchema, { userId: 'user-del' }), occurredAt, eventId: '6f1b7c1e-8a0e-4c55-9d39-0c2b3a0e9d11' },
      ];

      statements.length = 0;
      const ids = await db.transaction().execute(async (trx) => {
        const written = await enqueueEvents(trx, events);
        expect(notifications).toEqual([]); // NOTIFY is transactional: nothing before the commit
        return written;
      });
      const inserts = statements.filter((s) => /^insert into "outbox"/i.test(s));
      const notifies = statements.filter((s) => s.includes('pg_notify'));
      expect([inserts.length, notifies.length]).toEqual([1, 1]);

      const stored = await rows();
      expect(ids).toHaveLength(events.length);
      expect(ids.at(-1)).toBe('6f1b7c1e-8a0e-4c55-9d39-0c2b3a0e9d11');
      expect(stored.map((r) => r.event_id)).toEqual(ids);
      const outboxIds = stored.map((r) => Number(r.id));
      expect(outboxIds).toEqual([...outboxIds].sort((a, b) => a - b));
      expect(new Set(outboxIds).size).toBe(outboxIds.length);
      expect(stored.map((r) => r.key)).toEqual([...users, 'user-del']);
      expect(stored.slice(0, -1).map((r) => fromBinary(UserTimezoneChangedSchema, r.payload).timezone)).toEqual(users.map((_, i) => `zone-${i}`));
      expect(stored.at(-1)!.event_type).toBe(UserDeletedSchema.typeName);

      // Notifications arrive in commit order: once a later sentinel is in, the batch's are all in. (Postgres
      // folds identical notifications of one transaction into one, so the statement count above is what
      // tells one NOTIFY from many; this checks what the relay sees.)
      await pool.query(`select pg_notify('${outboxChannel}', 'sentinel')`);
      await eventually(() => notifications, (n) => n.includes('sentinel'));
      expect(notifications).toEqual([schema, 'sentinel']);
    } finally {
      await listener.query(`unlisten ${outboxChannel}`);
      listener.release();
    }
  });

  it('writes nothing for an empty list: no statement at all', async () => {
    statements.length = 0;
    expect(await enqueueEvents(db, [])).toEqual([]);
    expect(statements).toEqual([]);
  });

  it('keeps nothing when the transaction rolls back', async () => {
    await db.deleteFrom('outbox').execute();
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueEvents(trx, [timezoneChanged('rb-1', 'a'), timezoneChanged('rb-2', 'b')]);
        expect(await trx.selectFrom('outbox').select('id').execute()).toHaveLength(2);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await rows()).toEqual([]);
  });

  it('refuses a batch holding an event of another topic before writing any of it', async () => {
    await db.deleteFrom('outbox').execute();
    const stray = {
      topic: topics.users,
      key: 'u',
      schema: HrvSampleRecordedSchema,
      message: create(HrvSampleRecordedSchema, { userId: 'u', sampleId: 's' }),
      occurredAt,
    };
    statements.length = 0;
    // The statement log, not the rollback, shows that the valid first event was never written.
    await expect(db.transaction().execute((trx) => enqueueEvents(trx, [timezoneChanged('ok', 'a'), stray]))).rejects.toThrow(
      'omtobe.integrations.v1.HrvSampleRecorded is not an event of topic users.v1',
    );
    expect(statements.filter((s) => /outbox|pg_notify/.test(s))).toEqual([]);
    await expect(enqueueEvent(db, stray)).rejects.toThrow('is not an event of topic users.v1');
    expect(await rows()).toEqual([]);
  });

  it('enqueueEvent is the one-event case: one INSERT, one NOTIFY, the caller\'s event id kept', async () => {
    await db.deleteFrom('outbox').execute();
    statements.length = 0;
    const eventId = '0b0e8d5e-1f1a-4f6e-8f7c-3c1d2b4a5e6f';
    const event = { topic: topics.users, key: 'one', schema: UserRegisteredSchema, message: create(UserRegisteredSchema, { userId: 'one' }), occurredAt, eventId };
    expect(await db.transaction().execute((trx) => enqueueEvent(trx, event))).toBe(eventId);
    expect(statements.filter((s) => /^insert into "outbox"/i.test(s) || s.includes('pg_notify'))).toHaveLength(2);
    expect((await rows()).map((r) => [r.event_id, r.event_type])).toEqual([[eventId, UserRegisteredSchema.typeName]]);
  });
});
