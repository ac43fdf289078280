import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import fc from 'fast-check';
import { HighStakesEventRemovedSchema } from '@omtobe/proto/integrations/v1';
import { Decision, PromptKind, PromptTransitionKind, ReflectionResponse, type PromptTransition } from '@omtobe/proto/state-engine/v1';
import { day, meeting, minute, moveTo, register, sample, seedBaseline } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { promptsFor } from '../../test/published.ts';
import { findUserState } from '../store/user-states.repo.ts';
import { runDueWork } from '../work/due-work.ts';

// Thursday 2026-03-05 12:00 in New York (EST): users registered 2–3 days before are on Day 3–4, and the runs cross the
// DST change of Sunday 2026-03-08 and the end of the cycle.
const now0 = new Date('2026-03-05T17:00:00Z');

/** What a run does, one step at a time: the inputs of the other services, the user's answers, and time passing. */
type Step =
  | { kind: 'sample'; dropPercent: number; minutesAgo: number }
  | { kind: 'meeting'; id: number; startsInMinutes: number; minutes: number }
  | { kind: 'cancel'; id: number }
  | { kind: 'decide'; decision: 'proceed' | 'delay' }
  | { kind: 'reflect' }
  | { kind: 'zone'; timezone: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'toNextInstant'; before: boolean }
  | { kind: 'dueWork' };

// Weighted towards what moves a brake: answers, and time landing on the instants that matter.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sample' as const), dropPercent: fc.constantFrom(0, 10, 20, 30), minutesAgo: fc.constantFrom(0, 5, 45, 70) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('meeting' as const), id: fc.integer({ min: 1, max: 3 }), startsInMinutes: fc.integer({ min: -60, max: 180 }), minutes: fc.constantFrom(15, 30, 90) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), id: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), decision: fc.constantFrom('proceed' as const, 'delay' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reflect' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zone' as const), timezone: fc.constantFrom('America/New_York', 'Europe/London', 'Asia/Tokyo') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 7 * minute, 20 * minute, 61 * minute, 5 * 60 * minute, day) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('toNextInstant' as const), before: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dueWork' as const) }) },
);

const refusedOrDone = async (call: Promise<unknown>): Promise<void> => {
  try {
    await call;
  } catch (error) {
    // Answers the engine refuses (no brake pending, reflection not open) are part of what a person may do.
    if (!(error instanceof ConnectError)) throw error;
  }
};

async function apply(h: EngineHarness, userId: string, s: Step, n: number): Promise<void> {
  const now = h.clock.now();
  switch (s.kind) {
    case 'sample':
      return sample(h, userId, `${userId}-s${n}`, 50.1 * (1 - s.dropPercent / 100), new Date(now.getTime() - s.minutesAgo * minute));
    case 'meeting':
      await meeting(h, userId, `m${s.id}`, 'Board Meeting', new Date(now.getTime() + s.startsInMinutes * minute), s.minutes);
      return;
    case 'cancel':
      await h.deliver(topics.calendar, userId, HighStakesEventRemovedSchema, create(HighStakesEventRemovedSchema, { userId, eventId: `m${s.id}` }));
      return;
    case 'decide':
      return refusedOrDone(h.client.submitDecision({ userId, decision: s.decision === 'proceed' ? Decision.PROCEED : Decision.DELAY, idempotencyKey: `${userId}-d${n}` }));
    case 'reflect':
      return refusedOrDone(h.client.submitReflection({ userId, response: ReflectionResponse.SKIP, idempotencyKey: `${userId}-r${n}` }));
    case 'zone':
      return moveTo(h, userId, s.timezone);
    case 'advance':
      h.clock.advance(s.ms);
      return;
    case 'toNextInstant': {
      // Exactly at (or a millisecond before) the next instant the prompt may change: where a late transition would show.
      const dueAt = (await findUserState(h.deps.db, userId))!.due_at;
      if (dueAt.getTime() - (s.before ? 1 : 0) > now.getTime()) h.clock.set(new Date(dueAt.getTime() - (s.before ? 1 : 0)));
      return;
    }
    case 'dueWork':
      await runDueWork(h.deps);
      return;
  }
}

/** CheckBrake, GetState and the stored (last published) prompt say the same thing. */
async function expectAgreement(h: EngineHarness, userId: string, trail: string[]): Promise<void> {
  const state = await h.client.getState({ userId });
  const check = await h.client.checkBrake({ userId });
  const prompt = state.prompt!;
  const said = {
    check: check.shouldDisplay ? `brake ${check.event?.eventId}` : 'no brake',
    reflection: state.shouldDisplayReflection,
    prompt: prompt.kind === PromptKind.BRAKE ? `brake ${prompt.event?.eventId}` : PromptKind[prompt.kind],
  };
  const expected = {
    check: prompt.kind === PromptKind.BRAKE ? `brake ${prompt.event?.eventId}` : 'no brake',
    reflection: prompt.kind === PromptKind.REFLECTION,
    prompt: said.prompt,
  };
  if (JSON.stringify(said) !== JSON.stringify(expected)) throw new Error(`disagreement after ${trail.join(' → ')}: ${JSON.stringify(said)}`);
}

/** Replays the published transitions: numbered 1…N without gaps or repeats, each change leaving what the next one changes, ending on the stored prompt. */
function expectConsistentLog(transitions: PromptTransition[], final: { kind: PromptKind; eventId?: string; sequence: bigint }): void {
  expect(transitions.map((t) => Number(t.sequence))).toEqual(transitions.map((_, i) => i + 1));
  let showing: string = 'NONE';
  for (const t of transitions) {
    switch (t.kind) {
      case PromptTransitionKind.BRAKE_RAISED:
        expect(showing).toBe('NONE');
        showing = `BRAKE ${t.event?.eventId}`;
        break;
      case PromptTransitionKind.BRAKE_WITHDRAWN:
        expect(showing).toBe(`BRAKE ${t.event?.eventId}`);
        showing = 'NONE';
        break;
      case PromptTransitionKind.REFLECTION_OPENED:
        expect(showing).toBe('NONE');
        showing = 'REFLECTION';
        break;
      case PromptTransitionKind.REFLECTION_CLOSED:
        expect(showing).toBe('REFLECTION');
        showing = 'NONE';
        break;
      case PromptTransitionKind.READING_REQUESTED:
        break;
      default:
        throw new Error(`unexpected transition kind ${t.kind}`);
    }
  }
  const stored = final.kind === PromptKind.BRAKE ? `BRAKE ${final.eventId}` : PromptKind[final.kind];
  expect(showing).toBe(stored);
}

describe('prompts: CheckBrake and GetState always agree with the last published prompt', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started));

  it('over random sequences of inputs, answers and clock moves (exact instants included)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 3 }), fc.array(step, { minLength: 8, maxLength: 18 }), async (daysAgo, steps) => {
        run += 1;
        const userId = `prop-${run}`;
        h.clock.set(now0);
        await register(h, userId, new Date(now0.getTime() - daysAgo * day));
        await seedBaseline(h, userId, now0);
        // Most runs start braking (Day 3–4, a running meeting, a fresh drop), where most can go wrong.
        await meeting(h, userId, 'm0', 'Board Meeting', new Date(now0.getTime() - 10 * minute), 90);
        await sample(h, userId, `${userId}-start`, 35.2, new Date(now0.getTime() - 5 * minute));
        const trail: string[] = [];
        for (const [n, s] of steps.entries()) {
          await apply(h, userId, s, n);
          trail.push(JSON.stringify(s));
          await expectAgreement(h, userId, trail);
        }
        await runDueWork(h.deps);
        const state = await h.client.getState({ userId });
        expectConsistentLog(await promptsFor(h, userId), {
          kind: state.prompt!.kind,
          ...(state.prompt?.event ? { eventId: state.prompt.event.eventId } : {}),
          sequence: state.prompt!.sequence,
        });
      }),
      { numRuns: 12, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31), verbose: true },
    );
    // Each run is a dozen round trips through the broker per step: about 2 s a run on a quiet machine.
  }, 180_000);
});
