import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { HighStakesEventRemovedSchema } from '@omtobe/proto/integrations/v1';
import {
  BrakeReason,
  Decision,
  PromptKind,
  PromptTransitionKind,
  ReflectionClosedReason,
  ReflectionResponse,
  type PromptTransition,
} from '@omtobe/proto/state-engine/v1';
import { meeting, minute, day, register, sample, seedBaseline, seedBrakingUser } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { promptsFor } from '../../test/published.ts';
import { runDueWork } from '../work/due-work.ts';

// 15:30 in New York on Friday 2026-03-06 (EST, UTC−5); seedBrakingUser puts the user on Day 4.
const now0 = new Date('2026-03-06T20:30:00Z');

const K = PromptTransitionKind;
const summary = (ts: PromptTransition[]) =>
  ts.map((t) => ({
    kind: K[t.kind],
    ...(t.event ? { event: t.event.eventId } : {}),
    ...(t.withdrawnReason ? { reason: BrakeReason[t.withdrawnReason] } : {}),
    ...(t.reflectionClosedReason ? { closed: ReflectionClosedReason[t.reflectionClosedReason] } : {}),
    sequence: Number(t.sequence),
  }));

describe('prompts: what the app should show, published as it changes', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started), { resetClock: true });

  it('a drop during a running meeting on Day 4 raises the brake once; Delay withdraws it; cooling’s end raises it again; Proceed withdraws it for good', async () => {
    await seedBrakingUser(h, 'loop');
    // Checks and views of a raised brake publish nothing more.
    expect((await h.client.checkBrake({ userId: 'loop' })).shouldDisplay).toBe(true);
    expect((await h.client.getState({ userId: 'loop' })).prompt?.kind).toBe(PromptKind.BRAKE);
    await runDueWork(h.deps);
    const raised = await promptsFor(h, 'loop');
    expect(summary(raised)).toEqual([{ kind: 'BRAKE_RAISED', event: 'loop-board', sequence: 1 }]);
    expect(timestampDate(raised[0]!.expiresAt!)).toEqual(new Date(now0.getTime() + 80 * minute));
    expect(raised[0]!.prompt?.kind).toBe(PromptKind.BRAKE);
    expect(raised[0]!.cycleDay).toBe(4);

    await h.client.submitDecision({ userId: 'loop', decision: Decision.DELAY, idempotencyKey: 'loop-delay' });
    h.clock.advance(20 * minute - 1);
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'loop')).slice(1)).toEqual([{ kind: 'BRAKE_WITHDRAWN', event: 'loop-board', reason: 'COOLING', sequence: 2 }]);

    // Cooling ends at its instant; the 25-minute-old reading is still fresh and still a drop: raised again.
    h.clock.advance(1);
    expect(await runDueWork(h.deps)).toBe(1);
    expect(summary(await promptsFor(h, 'loop')).slice(2)).toEqual([{ kind: 'BRAKE_RAISED', event: 'loop-board', sequence: 3 }]);

    await h.client.submitDecision({ userId: 'loop', decision: Decision.PROCEED, idempotencyKey: 'loop-proceed' });
    h.clock.advance(2 * 60 * minute);
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'loop')).slice(3)).toEqual([{ kind: 'BRAKE_WITHDRAWN', event: 'loop-board', reason: 'LOCKED_FOR_EVENT', sequence: 4 }]);
  });

  it('the event ending withdraws the brake at that instant, even before the due-work loop comes by: a check then agrees', async () => {
    await register(h, 'ending', new Date(now0.getTime() - 3 * day));
    await seedBaseline(h, 'ending', now0);
    await sample(h, 'ending', 'ending-now', 35.2, new Date(now0.getTime() - 5 * minute));
    await meeting(h, 'ending', 'short', 'Negotiation', new Date(now0.getTime() - 10 * minute), 30);
    h.clock.advance(20 * minute - 1);
    expect((await h.client.checkBrake({ userId: 'ending' })).shouldDisplay).toBe(true);
    h.clock.advance(1);
    const check = await h.client.checkBrake({ userId: 'ending' });
    expect(check.reason).toBe(BrakeReason.NO_HIGH_STAKES_EVENT);
    const published = await promptsFor(h, 'ending');
    expect(summary(published)).toEqual([
      { kind: 'BRAKE_RAISED', event: 'short', sequence: 1 },
      { kind: 'BRAKE_WITHDRAWN', event: 'short', reason: 'NO_HIGH_STAKES_EVENT', sequence: 2 },
    ]);
    expect(timestampDate(published[1]!.occurredAt!)).toEqual(h.clock.now());
    expect(published[1]!.prompt?.kind).toBe(PromptKind.NONE);
  });

  it('a cancelled meeting withdraws its brake; a meeting starting with a stale reading asks once for a fresh one, which then brakes', async () => {
    await register(h, 'nudge', new Date(now0.getTime() - 3 * day));
    await seedBaseline(h, 'nudge', now0);
    await sample(h, 'nudge', 'nudge-old', 35.2, new Date(now0.getTime() - 2 * 60 * minute));
    await meeting(h, 'nudge', 'later', 'Board Meeting', new Date(now0.getTime() + 30 * minute), 60);
    await meeting(h, 'nudge', 'dropped', 'Review', new Date(now0.getTime() + 40 * minute), 60);
    await h.deliver(topics.calendar, 'nudge', HighStakesEventRemovedSchema, create(HighStakesEventRemovedSchema, { userId: 'nudge', eventId: 'dropped' }));
    await runDueWork(h.deps);
    expect(await promptsFor(h, 'nudge')).toEqual([]);

    h.clock.advance(30 * minute);
    await runDueWork(h.deps);
    await runDueWork(h.deps);
    const asked = await promptsFor(h, 'nudge');
    expect(summary(asked)).toEqual([{ kind: 'READING_REQUESTED', event: 'later', sequence: 1 }]);
    expect(asked[0]!.prompt?.kind).toBe(PromptKind.NONE);
    expect(timestampDate(asked[0]!.expiresAt!)).toEqual(new Date(now0.getTime() + 90 * minute));

    // The app synced: a fresh drop arrives during the meeting.
    await sample(h, 'nudge', 'nudge-fresh', 36, new Date(h.clock.now().getTime() - minute));
    expect(summary((await promptsFor(h, 'nudge')).slice(1))).toEqual([{ kind: 'BRAKE_RAISED', event: 'later', sequence: 2 }]);
    // Cancelled while braking: withdrawn.
    await h.deliver(topics.calendar, 'nudge', HighStakesEventRemovedSchema, create(HighStakesEventRemovedSchema, { userId: 'nudge', eventId: 'later' }));
    expect(summary((await promptsFor(h, 'nudge')).slice(2))).toEqual([{ kind: 'BRAKE_WITHDRAWN', event: 'later', reason: 'NO_HIGH_STAKES_EVENT', sequence: 3 }]);
  });

  it('opens the reflection at 09:00 local on Day 7 — New York on the day clocks spring forward — and closes it when answered', async () => {
    // Day 1 is Monday 2026-03-02; Day 7 is Sunday 2026-03-08, when New York moves from EST to EDT at 02:00.
    h.clock.set(new Date('2026-03-02T15:00:00Z'));
    await register(h, 'reflect', h.clock.now());
    h.clock.set(new Date('2026-03-08T12:59:59.999Z')); // 08:59:59.999 EDT
    await runDueWork(h.deps);
    expect(await promptsFor(h, 'reflect')).toEqual([]);
    h.clock.set(new Date('2026-03-08T13:00:00Z')); // 09:00 EDT (14:00Z would be 09:00 in EST)
    expect(await runDueWork(h.deps)).toBeGreaterThanOrEqual(1);
    const opened = await promptsFor(h, 'reflect');
    expect(summary(opened)).toEqual([{ kind: 'REFLECTION_OPENED', sequence: 1 }]);
    expect(timestampDate(opened[0]!.expiresAt!)).toEqual(new Date('2026-03-09T04:00:00Z')); // Day 7 ends at midnight EDT
    expect(opened[0]!.cycleDay).toBe(7);

    await h.client.submitReflection({ userId: 'reflect', response: ReflectionResponse.YES, idempotencyKey: 'reflect-yes' });
    expect(summary((await promptsFor(h, 'reflect')).slice(1))).toEqual([{ kind: 'REFLECTION_CLOSED', closed: 'ANSWERED', sequence: 2 }]);
    const state = await h.client.getState({ userId: 'reflect' });
    expect(state.prompt?.kind).toBe(PromptKind.NONE);
    expect(state.prompt?.sequence).toBe(2n);
  });

  it('an unanswered reflection closes when Day 7 ends', async () => {
    h.clock.set(new Date('2026-03-02T15:00:00Z'));
    await register(h, 'lapse', h.clock.now());
    h.clock.set(new Date('2026-03-08T13:00:00Z'));
    await runDueWork(h.deps);
    h.clock.set(new Date('2026-03-09T04:00:00Z'));
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'lapse'))).toEqual([
      { kind: 'REFLECTION_OPENED', sequence: 1 },
      { kind: 'REFLECTION_CLOSED', closed: 'WINDOW_ENDED', sequence: 2 },
    ]);
  });
});
