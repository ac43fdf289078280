import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { Decision, ReflectionResponse } from '@omtobe/proto/state-engine/v1';
import { refusal } from '@omtobe/testing';
import { day, meeting, minute, register, sample, seedBaseline, seedBrakingUser } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { publishedFor } from '../../test/published.ts';

// 15:30 in New York on Friday 2026-03-06 (EST).
const now0 = new Date('2026-03-06T20:30:00Z');

/** A promise and the function that settles it: to hold a transaction open until the test lets it go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * Keeps the outbox relay from publishing until the returned function is called: it holds the relay's own lock
 * (outbox-relay.ts, one relay of a schema at a time), so what is written meanwhile stays in the outbox.
 */
async function holdTheRelay(h: EngineHarness): Promise<() => Promise<void>> {
  const release = gate();
  const held = gate();
  const holding = h.deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.outbox'))`.execute(trx);
    held.open();
    await release.wait;
  });
  await held.wait;
  return async () => {
    release.open();
    await holding;
  };
}

const pendingOf = async (h: EngineHarness, userId: string) =>
  (await h.deps.db.selectFrom('outbox').select('event_type').where('key', '=', userId).orderBy('id').execute()).map((r) => r.event_type);

async function erase(h: EngineHarness, userId: string, deletedAt: Date, registeredAt: Date): Promise<void> {
  const erased = await h.deliver(
    topics.users,
    userId,
    UserDeletedSchema,
    create(UserDeletedSchema, { userId, deletedAt: timestampFromDate(deletedAt), registeredAt: timestampFromDate(registeredAt) }),
  );
  expect(erased.erased).toBe(false);
}

/** seedBrakingUser with the registration at a given time (Day 4 now when it is 3 days and some hours ago). */
async function brakingUserRegisteredAt(h: EngineHarness, userId: string, registeredAt: Date): Promise<void> {
  const now = h.clock.now();
  await register(h, userId, registeredAt);
  await seedBaseline(h, userId, now);
  await sample(h, userId, `${userId}-now`, 35.2, new Date(now.getTime() - 5 * minute));
  await meeting(h, userId, `${userId}-board`, 'Board Meeting', new Date(now.getTime() - 10 * minute), 90);
}

const registrations = (events: ReadonlyArray<{ registeredAt?: Parameters<typeof timestampDate>[0] }>) =>
  events.map((e) => (e.registeredAt ? timestampDate(e.registeredAt).toISOString() : undefined));

describe('erasure in the state engine', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started), { resetClock: true });

  it('deletes the user\'s events still waiting in the outbox: a decision made after DELETE /me never goes out', async () => {
    await seedBrakingUser(h, 'leaving');
    await seedBrakingUser(h, 'staying');
    const registeredAt = new Date(now0.getTime() - 3 * day);
    const release = await holdTheRelay(h);
    try {
      // DELETE /me a minute ago; the engine has not applied it yet and records a decision meanwhile.
      for (const userId of ['leaving', 'staying']) {
        expect((await h.client.checkBrake({ userId })).shouldDisplay).toBe(true);
        await h.client.submitDecision({ userId, decision: Decision.DELAY, idempotencyKey: `${userId}-k` });
      }
      // The decision, and the brake it withdrew (cooling).
      const waiting = ['omtobe.state_engine.v1.DecisionRecorded', 'omtobe.state_engine.v1.PromptTransition'];
      expect(await pendingOf(h, 'leaving')).toEqual(waiting);

      await erase(h, 'leaving', new Date(now0.getTime() - minute), registeredAt);

      expect(await pendingOf(h, 'leaving')).toEqual([]);
      expect(await pendingOf(h, 'staying')).toEqual(waiting);
    } finally {
      await release();
    }
    expect((await publishedFor(h, 'leaving')).decisions).toEqual([]);
    expect((await publishedFor(h, 'staying')).decisions.map((d) => d.decision)).toEqual([Decision.DELAY]);
  });

  it('stamps its decisions.v1 events with the registration; a new registration after the erasure starts clean under its own', async () => {
    const firstLife = new Date(now0.getTime() - 3 * day - 2 * 60 * minute);
    const secondLife = new Date(now0.getTime() - 3 * day);
    await brakingUserRegisteredAt(h, 'returning', firstLife);
    expect((await h.client.checkBrake({ userId: 'returning' })).shouldDisplay).toBe(true);
    await h.client.submitDecision({ userId: 'returning', decision: Decision.DELAY, idempotencyKey: 'first-life' });
    expect(registrations((await publishedFor(h, 'returning')).decisions)).toEqual([firstLife.toISOString()]);

    await erase(h, 'returning', new Date(firstLife.getTime() + 60 * minute), firstLife);
    expect(await refusal(h.client.getState({ userId: 'returning' }))).toMatchObject({ code: Code.NotFound });

    // Registered again: no cooling from the first life's Delay, and its events name the new registration.
    await brakingUserRegisteredAt(h, 'returning', secondLife);
    expect((await h.client.checkBrake({ userId: 'returning' })).shouldDisplay).toBe(true);
    await h.client.submitDecision({ userId: 'returning', decision: Decision.PROCEED, idempotencyKey: 'second-life' });
    const published = await publishedFor(h, 'returning');
    expect(published.decisions.map((d) => d.decision)).toEqual([Decision.DELAY, Decision.PROCEED]);
    expect(registrations(published.decisions)).toEqual([firstLife.toISOString(), secondLife.toISOString()]);
  });

  it('stamps reflections and cycle resets with the registration too', async () => {
    // Day 7 at 15:30: the reflection is open; answered, the next cycle starts at the next local midnight.
    const registeredAt = new Date(now0.getTime() - 6 * day);
    await register(h, 'reflecting', registeredAt);
    await h.client.submitReflection({ userId: 'reflecting', response: ReflectionResponse.YES, idempotencyKey: 'r' });
    h.clock.advance(9 * 60 * minute);
    expect((await h.client.getState({ userId: 'reflecting' })).currentDay).toBe(1);
    const published = await publishedFor(h, 'reflecting');
    expect(registrations(published.reflections)).toEqual([registeredAt.toISOString()]);
    expect(registrations(published.resets)).toEqual([registeredAt.toISOString()]);
  });
});
