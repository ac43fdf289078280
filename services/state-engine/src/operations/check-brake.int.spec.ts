import { describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { BrakeReason, Decision, NextAction } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { seedBrakingUser } from '../../test/fixtures.ts';
import { harnessPerFile, type EngineHarness } from '../../test/harness.ts';

const now0 = new Date('2026-03-06T20:30:00Z');
const holdKey = 4_242;

/** Backends of this database waiting for a lock of the given kind (advisory, or a row held by a transaction). */
async function waiting(h: EngineHarness, kinds: string[]): Promise<number> {
  const rows = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and wait_event = any(${kinds})`.execute(h.deps.db);
  return rows.rows[0]!.n;
}

describe('CheckBrake racing a decision', () => {
  let h: EngineHarness;
  harnessPerFile(now0, async (started) => {
    h = started;
    // Test-only: a Delay's write (it sets cooling_until) waits for an advisory lock the test holds, so the test
    // decides when it commits — after a concurrent check has read the state and before that check writes.
    await sql`
      create function hold_cooling() returns trigger language plpgsql as $$
      begin
        if new.cooling_until is distinct from old.cooling_until then perform pg_advisory_xact_lock(${sql.lit(holdKey)}); end if;
        return new;
      end $$`.execute(h.deps.db);
    await sql`create trigger hold_cooling before update on user_states for each row execute function hold_cooling()`.execute(h.deps.db);
  });

  it('does not show a brake that a Delay committed between its read and its write has answered', async () => {
    await seedBrakingUser(h, 'racer');
    expect((await h.client.checkBrake({ userId: 'racer' })).shouldDisplay).toBe(true);

    const { check, delay } = await h.deps.db.connection().execute(async (holder) => {
      await sql`select pg_advisory_lock(${holdKey})`.execute(holder);
      try {
        // The Delay takes the user's row and waits, uncommitted, on the test's lock.
        const delay = h.client.submitDecision({ userId: 'racer', decision: Decision.DELAY, idempotencyKey: 'd' });
        await eventually(() => waiting(h, ['advisory']), (n) => n === 1);
        // The check reads the state as it was before the Delay (the brake still pending) and then either answers at
        // once or waits to write behind the Delay's row lock.
        let settled = false;
        const check = h.client.checkBrake({ userId: 'racer' }).finally(() => (settled = true));
        await eventually(async () => settled || (await waiting(h, ['transactionid', 'tuple'])) === 1, Boolean);
        return { check, delay };
      } finally {
        await sql`select pg_advisory_unlock(${holdKey})`.execute(holder);
      }
    });

    expect((await delay).nextAction).toBe(NextAction.COOLING_PERIOD_ACTIVATED);
    const answer = await check;
    expect([answer.shouldDisplay, answer.reason]).toEqual([false, BrakeReason.COOLING]);
    expect((await h.client.getState({ userId: 'racer' })).pendingBrakeEvent).toBeUndefined();
  });
});
