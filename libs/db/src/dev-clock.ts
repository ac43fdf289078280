import type { Kysely, Transaction } from 'kysely';
import { FailedPreconditionError, InvalidArgumentError, OffsetClock, systemClock, type Clock, type Logger } from '@omtobe/platform';
import type { DevClockTables } from './dev-clock-table.ts';

/**
 * Development mode's clock: the system clock plus an offset that "advance time" moves forward, kept in the
 * service's own schema (table `dev_clock`). It is loaded when the service starts, so a service restarted
 * (npm start supervises and restarts them) carries on at the simulated time instead of falling back to
 * real time. Each service keeps its own; the gateway's advance-time moves them all to the same offset.
 * One process per service is assumed (development): another replica would only see a move at its restart.
 */
export interface DevClock extends Clock {
  /** How far ahead of the system clock it runs, in milliseconds. */
  readonly offsetMs: number;
  /**
   * Runs `offsetMs` ahead of the system clock from now on, unless it already runs further ahead (it never
   * moves back, so the same move twice moves it once); stored before it takes effect. Answers the offset in
   * force. `db` may be the caller's transaction.
   */
  advanceTo<DB extends DevClockTables>(offsetMs: number, db?: Kysely<DB> | Transaction<DB>): Promise<number>;
}

type DevClockDb = Kysely<DevClockTables> | Transaction<DevClockTables>;

/** Ten years: far beyond any demo, far inside what a Date holds. */
export const maxDevClockOffsetMs = 3650 * 24 * 3_600_000;

/** A whole number of milliseconds from 0 to maxDevClockOffsetMs, or InvalidArgument. */
export function checkDevClockOffset(offsetMs: number): number {
  if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs > maxDevClockOffsetMs) {
    throw new InvalidArgumentError('offset must be a whole number of milliseconds from 0 to ten years', { reason: 'invalid_offset' });
  }
  return offsetMs;
}

const asDevClockDb = <DB extends DevClockTables>(db: Kysely<DB> | Transaction<DB>) => db as unknown as DevClockDb;

async function storedOffset(db: DevClockDb): Promise<number> {
  const row = await db.selectFrom('dev_clock').select('offset_ms').executeTakeFirst();
  return row?.offset_ms ?? 0;
}

/** Stores the offset unless a larger one is stored; answers the stored one. */
async function storeOffset(db: DevClockDb, offsetMs: number): Promise<number> {
  const row = await db
    .insertInto('dev_clock')
    .values({ offset_ms: offsetMs, updated_at: new Date() })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        offset_ms: eb.fn('greatest', [eb.ref('dev_clock.offset_ms'), eb.ref('excluded.offset_ms')]),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning('offset_ms')
    .executeTakeFirstOrThrow();
  return row.offset_ms;
}

/** The service's development clock, at the offset its schema holds (0 when it was never moved). */
export async function loadDevClock<DB extends DevClockTables>(database: Kysely<DB>, base: Clock = systemClock): Promise<DevClock> {
  const db = asDevClockDb(database);
  const clock = new OffsetClock(base, await storedOffset(db));
  return {
    now: () => clock.now(),
    get offsetMs() {
      return clock.offsetMs;
    },
    async advanceTo(offsetMs, on) {
      return clock.advanceTo(await storeOffset(on ? asDevClockDb(on) : db, checkDevClockOffset(offsetMs)));
    },
  };
}

/** The clock a service runs on, and in development mode the development clock behind it (for AdvanceDevClock). */
export interface ServiceClock {
  clock: Clock;
  devClock?: DevClock;
}

/**
 * Development mode runs on the development clock (advance time moves it; its offset outlives a restart), so every
 * time-driven rule of the service judges by the simulated time; production on the system clock, and no development
 * clock exists to move.
 */
export async function serviceClock<DB extends DevClockTables>(mode: 'development' | 'production', database: Kysely<DB>, logger: Logger): Promise<ServiceClock> {
  if (mode !== 'development') return { clock: systemClock };
  const devClock = await loadDevClock(database);
  if (devClock.offsetMs) logger.info({ offset_ms: devClock.offsetMs }, 'development clock runs ahead of real time');
  return { clock: devClock, devClock };
}

/**
 * Holds the clock's row locked until the transaction ends and answers its stored offset: one move at a time
 * when a move spans other work (the gateway moves every service's clock before its own).
 */
export async function lockDevClock<DB extends DevClockTables>(trx: Transaction<DB>): Promise<number> {
  const db = asDevClockDb(trx);
  await db.insertInto('dev_clock').values({ offset_ms: 0, updated_at: new Date() }).onConflict((oc) => oc.column('id').doNothing()).execute();
  const row = await db.selectFrom('dev_clock').select('offset_ms').forUpdate().executeTakeFirstOrThrow();
  return row.offset_ms;
}

/**
 * The AdvanceDevClock RPC every service with a development clock serves: FAILED_PRECONDITION without one
 * (OMTOBE_MODE is not development), else the clock moved to at least `offsetMs` (0 reads it).
 */
export async function advanceDevClock(devClock: DevClock | undefined, offsetMs: number): Promise<{ offsetMs: number; now: Date }> {
  if (!devClock) throw new FailedPreconditionError('development controls are off (OMTOBE_MODE is not development)', { reason: 'development_only' });
  const offset = await devClock.advanceTo(offsetMs);
  return { offsetMs: offset, now: devClock.now() };
}
