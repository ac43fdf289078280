import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import pino from 'pino';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { RegisterUserRequestSchema, UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { createTestDatabase, TestClock, type TestDatabase } from '@omtobe/testing';
import type { Peers } from '../peers/peers.ts';
import { schema, type Database } from '../store/database.ts';
import { migrations } from '../store/migrations/index.ts';
import type { Deps } from './deps.ts';
import { deleteMe, registerUser } from './users.ts';

const minute = 60_000;

/** The user's events in the outbox (no relay runs here), in the order they would be published. */
async function outboxOf(deps: Deps, userId: string) {
  const rows = await deps.db.selectFrom('outbox').select(['event_type', 'payload']).where('key', '=', userId).orderBy('id').execute();
  return rows.map((r) => {
    if (r.event_type !== UserDeletedSchema.typeName) return { type: r.event_type };
    const deleted = fromBinary(UserDeletedSchema, r.payload);
    return {
      type: r.event_type,
      deletedAt: deleted.deletedAt && timestampDate(deleted.deletedAt).toISOString(),
      registeredAt: deleted.registeredAt && timestampDate(deleted.registeredAt).toISOString(),
    };
  });
}

describe('DELETE /me in the gateway', () => {
  let database: TestDatabase;
  let close: () => Promise<void>;
  let deps: Deps;
  const clock = new TestClock('2026-03-06T20:30:00.000Z');

  beforeAll(async () => {
    database = await createTestDatabase('gateway_users');
    const opened = createDatabase<Database>({ url: database.url, schema });
    close = opened.close;
    await migrateToLatest({ db: opened.db, schema, migrations });
    deps = { db: opened.db, peers: {} as Peers, clock, logger: pino({ level: 'silent' }) };
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  it('names the registration it ends, and publishes none of the user\'s events still waiting', async () => {
    const registeredAt = clock.now();
    await registerUser(deps, { userId: 'leaving' }, create(RegisterUserRequestSchema, { email: 'leaving@example.com', timezone: 'Europe/London' }));
    clock.advance(minute);
    await registerUser(deps, { userId: 'leaving' }, create(RegisterUserRequestSchema, { email: 'leaving@example.com', timezone: 'Asia/Tokyo' }));
    await registerUser(deps, { userId: 'staying' }, create(RegisterUserRequestSchema, { email: 'staying@example.com', timezone: 'Europe/Paris' }));
    clock.advance(minute);
    const deletedAt = clock.now();

    expect(await deleteMe(deps, { userId: 'leaving' })).toMatchObject({ deleted: true });

    // The registration and the move to Tokyo never go out; the erasure says which registration it ends.
    expect(await outboxOf(deps, 'leaving')).toEqual([
      { type: UserDeletedSchema.typeName, deletedAt: deletedAt.toISOString(), registeredAt: registeredAt.toISOString() },
    ]);
    expect(await outboxOf(deps, 'staying')).toEqual([{ type: 'omtobe.gateway.v1.UserRegistered' }]);
  });

  it('names the new registration when the same person registers again, and none when there is no profile', async () => {
    const firstAt = clock.now();
    await registerUser(deps, { userId: 'returning' }, create(RegisterUserRequestSchema, { email: 'r@example.com', timezone: 'UTC' }));
    await deleteMe(deps, { userId: 'returning' });
    clock.advance(minute);
    const secondAt = clock.now();
    await registerUser(deps, { userId: 'returning' }, create(RegisterUserRequestSchema, { email: 'r@example.com', timezone: 'UTC' }));
    clock.advance(minute);
    await deleteMe(deps, { userId: 'returning' });
    clock.advance(minute);
    expect(await deleteMe(deps, { userId: 'returning' })).toMatchObject({ deleted: false });

    expect((await outboxOf(deps, 'returning')).map((e) => e.registeredAt)).toEqual([firstAt.toISOString(), secondAt.toISOString(), undefined]);
  });
});
