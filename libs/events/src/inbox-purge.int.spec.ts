import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { baseConfigSchema, createLifecycle, loadConfig, type LifecycleController } from '@omtobe/platform';
import { eventually, publishTestEvent } from '@omtobe/testing';
import { UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import { kafkaConfigSchema, on, purgeHandledEvents, recordErasure, startServiceEvents, topics, type HandledEvent } from './index.ts';
import { openHarness, silentLogger, type Harness, type TestDB } from '../test/harness.ts';

// The inbox remembers handled event ids so a redelivered event has no second effect; erasure tombstones make an
// erased user's late events drop. Both are purged after INBOX_RETENTION_DAYS (service-events.ts, at start and
// hourly). Purging too much would let a redelivered event apply twice, or an erased user's late event come back.

const day = 24 * 3_600_000;
const retentionDays = 14;

describe('the purge of handled events and erasure tombstones, as a service runs it', () => {
  let h: Harness;
  let lifecycle: LifecycleController;
  const handled: HandledEvent[] = [];
  const group = `purge-${randomUUID().slice(0, 8)}`;
  let started: Date;

  const inboxIds = async () => (await h.db.selectFrom('inbox').select('event_id').orderBy('event_id').execute()).map((r) => r.event_id);
  const tombstones = async () => (await h.db.selectFrom('erasures').select('user_id').orderBy('user_id').execute()).map((r) => r.user_id);
  const effectsOf = async (userId: string) => (await h.db.selectFrom('effects').select('event_id').where('user_id', '=', userId).execute()).map((r) => r.event_id);

  /** Publishes UserRegistered (again, with the same id, to redeliver it) and waits until the service handled that copy. */
  const deliver = async (userId: string, eventId: string, occurredAt = new Date()): Promise<HandledEvent> => {
    const before = handled.filter((e) => e.eventId === eventId).length;
    const message = create(UserRegisteredSchema, { userId, timezone: 'Europe/Paris', registeredAt: timestampFromDate(occurredAt) });
    await publishTestEvent(h.producer, { topic: h.prefix + topics.users.name, key: userId, schema: UserRegisteredSchema, message, eventId, occurredAt });
    const copies = await eventually(() => handled.filter((e) => e.eventId === eventId), (list) => list.length > before);
    return copies[before]!;
  };

  beforeAll(async () => {
    h = await openHarness();
    started = new Date();
    // What an older database holds when the service starts: ids handled and users erased just outside and just
    // inside the retention (a minute either way; the service starts within seconds of `started`).
    const at = (ms: number) => new Date(started.getTime() - ms);
    await sql`insert into inbox (consumer, event_id, processed_at) values
      (${group}, 'handled-14-days-and-a-minute-ago', ${at(retentionDays * day + 60_000)}),
      (${group}, 'handled-14-days-less-a-minute-ago', ${at(retentionDays * day - 60_000)})`.execute(h.db);
    await sql`insert into erasures (user_id, erased_at) values
      ('erased-14-days-and-a-minute-ago', ${at(retentionDays * day + 60_000)}),
      ('erased-14-days-less-a-minute-ago', ${at(retentionDays * day - 60_000)})`.execute(h.db);

    lifecycle = createLifecycle({ logger: silentLogger });
    const config = loadConfig(baseConfigSchema.extend({ ...kafkaConfigSchema.shape }), {
      SERVICE_NAME: group,
      DATABASE_URL: h.databaseUrl,
      KAFKA_BROKERS: h.brokers.join(','),
      KAFKA_TOPIC_PREFIX: h.prefix,
      KAFKA_SESSION_TIMEOUT_MS: '4000',
      KAFKA_MAX_WAIT_MS: '100',
      INBOX_RETENTION_DAYS: String(retentionDays),
    });
    await startServiceEvents<TestDB>({
      config: { ...config, KAFKA_BROKERS: h.brokers },
      logger: silentLogger,
      lifecycle,
      db: h.db,
      pool: h.pool,
      honourErasures: true,
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
      onHandled: (e) => handled.push(e),
    });
  });
  afterAll(async () => {
    await lifecycle?.shutdown('test done');
    await h?.close();
  });

  it('runs when the service starts: forgets what is older than the retention and nothing else', async () => {
    await eventually(
      async () => [await inboxIds(), await tombstones()] as const,
      ([ids, users]) => !ids.includes('handled-14-days-and-a-minute-ago') && !users.includes('erased-14-days-and-a-minute-ago'),
    );
    expect((await inboxIds()).filter((id) => id.startsWith('handled-'))).toEqual(['handled-14-days-less-a-minute-ago']);
    expect(await tombstones()).toEqual(['erased-14-days-less-a-minute-ago']);
  });

  it('keeps an event id while it may still be redelivered: delivered, purged, delivered again, applied once', async () => {
    const eventId = randomUUID();
    expect(await deliver('u-redelivered', eventId)).toMatchObject({ duplicate: false, erased: false });
    const processedAt = (await h.db.selectFrom('inbox').select('processed_at').where('event_id', '=', eventId).executeTakeFirstOrThrow()).processed_at;

    // The purge as it runs a minute before the event's window ends: the id must stay.
    await purgeHandledEvents(h.db, { retentionDays, honourErasures: true, now: new Date(processedAt.getTime() + retentionDays * day - 60_000) });
    expect(await deliver('u-redelivered', eventId)).toMatchObject({ duplicate: true });
    expect(await effectsOf('u-redelivered')).toEqual([eventId]);
    expect(await inboxIds()).toContain(eventId);

    // A minute after the window, the purge does forget it (the window is what keeps it, nothing else).
    await purgeHandledEvents(h.db, { retentionDays, honourErasures: true, now: new Date(processedAt.getTime() + retentionDays * day + 60_000) });
    expect(await inboxIds()).not.toContain(eventId);
  });

  it('keeps the tombstone of an erasure a late event may still follow: after the purge, that event is dropped', async () => {
    const erasedAt = new Date();
    await h.db.transaction().execute((trx) => recordErasure(trx, 'u-erased', { erasedAt }));

    await purgeHandledEvents(h.db, { retentionDays, honourErasures: true, now: new Date(erasedAt.getTime() + retentionDays * day - 60_000) });
    // An event of the user that occurred before the erasure, arriving late (another topic, a redelivery).
    expect(await deliver('u-erased', randomUUID(), new Date(erasedAt.getTime() - 60_000))).toMatchObject({ duplicate: false, erased: true });
    expect(await effectsOf('u-erased')).toEqual([]);
    expect(await tombstones()).toContain('u-erased');

    await purgeHandledEvents(h.db, { retentionDays, honourErasures: true, now: new Date(erasedAt.getTime() + retentionDays * day + 60_000) });
    expect(await tombstones()).not.toContain('u-erased');
  });
});
