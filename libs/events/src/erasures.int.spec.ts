import { describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { eventually } from '@omtobe/testing';
import { erasuresOf, lockUsersShared, recordErasure, type ErasureTables } from './index.ts';
import type { Harness } from '../test/harness.ts';
import { useHarness } from '../test/use-harness.ts';

/** A promise and the function that settles it: to hold a transaction open until the test lets it go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const waitingForAdvisoryLocks = async (h: Harness) =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(h.db)).rows[0]!.n;

const effectsOf = async (h: Harness, userId: string) => (await h.db.selectFrom('effects').select('event_id').where('user_id', '=', userId).execute()).length;

describe('erasure and events of the same user, at the same time', () => {
  const h = useHarness();

  it('an erasure waits for an event being applied, then deletes what it wrote', async () => {
    const applying = gate();
    const locked = gate();
    const event = h.db.transaction().execute(async (trx) => {
      await lockUsersShared(trx as unknown as Kysely<ErasureTables>, ['u-racing']);
      expect((await erasuresOf(trx as unknown as Kysely<ErasureTables>, ['u-racing'])).size).toBe(0);
      await trx.insertInto('effects').values({ event_id: 'e1', user_id: 'u-racing', value: 'sample' }).execute();
      locked.open();
      await applying.wait;
    });
    await locked.wait;
    const erasure = h.db.transaction().execute(async (trx) => {
      await recordErasure(trx, 'u-racing', { erasedAt: new Date() });
      await trx.deleteFrom('effects').where('user_id', '=', 'u-racing').execute();
    });
    await eventually(() => waitingForAdvisoryLocks(h), (n) => n === 1);
    applying.open();
    await Promise.all([event, erasure]);
    expect(await effectsOf(h, 'u-racing')).toBe(0);
  });

  it('an event waits for an erasure under way, then sees its tombstone', async () => {
    const erasing = gate();
    const recorded = gate();
    const erasedAt = new Date('2026-06-01T12:00:00Z');
    const erasure = h.db.transaction().execute(async (trx) => {
      await recordErasure(trx, 'u-erasing', { erasedAt });
      recorded.open();
      await erasing.wait;
    });
    await recorded.wait;
    const seen = h.db.transaction().execute(async (trx) => {
      await lockUsersShared(trx as unknown as Kysely<ErasureTables>, ['u-other', 'u-erasing']);
      return erasuresOf(trx as unknown as Kysely<ErasureTables>, ['u-erasing']);
    });
    await eventually(() => waitingForAdvisoryLocks(h), (n) => n === 1);
    erasing.open();
    await erasure;
    expect((await seen).get('u-erasing')).toEqual({ erasedAt });
  });

  it('events of one user do not wait for each other', async () => {
    const holding = gate();
    const locked = gate();
    const first = h.db.transaction().execute(async (trx) => {
      await lockUsersShared(trx as unknown as Kysely<ErasureTables>, ['u-busy']);
      locked.open();
      await holding.wait;
    });
    await locked.wait;
    await h.db.transaction().execute(async (trx) => {
      await lockUsersShared(trx as unknown as Kysely<ErasureTables>, ['u-busy']);
    });
    holding.open();
    await first;
  });
});

describe('the tombstone of a user erased more than once', () => {
  const h = useHarness();

  const erase = (userId: string, erasedAt: string, registeredAt?: string) =>
    h.db.transaction().execute((trx) => recordErasure(trx, userId, { erasedAt: new Date(erasedAt), ...(registeredAt ? { registeredAt: new Date(registeredAt) } : {}) }));
  const tombstone = async (userId: string) => (await erasuresOf(h.db as unknown as Kysely<ErasureTables>, [userId])).get(userId);

  it('keeps the latest time and the latest registration, and an erasure that names none keeps the one known', async () => {
    await erase('u-twice', '2026-06-01T12:00:00Z', '2026-05-01T08:00:00Z');
    expect(await tombstone('u-twice')).toEqual({ erasedAt: new Date('2026-06-01T12:00:00Z'), registeredAt: new Date('2026-05-01T08:00:00Z') });
    // DELETE /me again without a profile: no registration named; the erased one stays known.
    await erase('u-twice', '2026-06-02T12:00:00Z');
    expect(await tombstone('u-twice')).toEqual({ erasedAt: new Date('2026-06-02T12:00:00Z'), registeredAt: new Date('2026-05-01T08:00:00Z') });
    // Registered again and erased again: the later registration. An older copy arriving last changes nothing.
    await erase('u-twice', '2026-06-09T12:00:00Z', '2026-06-03T08:00:00Z');
    await erase('u-twice', '2026-06-01T12:00:00Z', '2026-05-01T08:00:00Z');
    expect(await tombstone('u-twice')).toEqual({ erasedAt: new Date('2026-06-09T12:00:00Z'), registeredAt: new Date('2026-06-03T08:00:00Z') });
  });

  it('remembers an erasure that names no registration', async () => {
    await erase('u-no-profile', '2026-06-01T12:00:00Z');
    expect(await tombstone('u-no-profile')).toEqual({ erasedAt: new Date('2026-06-01T12:00:00Z') });
  });
});
