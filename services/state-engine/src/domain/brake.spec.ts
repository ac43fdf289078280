import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { evaluateBrake } from './brake.ts';
import type { BrakeInput, BrakeReason, HighStakesEvent } from './brake.ts';
import { applyDecision, emptyBrakeState, recordBrakeShown } from './decisions.ts';
import { defaultRules } from './rules.ts';

const MIN = 60_000;
const T0 = Date.parse('2024-01-09T15:30:00Z');
const at = (ms: number) => new Date(ms);

// ---- Seed 000's worked example: Day 4, "Board Meeting" running, HRV 35.2 ms against a baseline mean of 50.1 ms.
const boardMeeting: HighStakesEvent = { id: 'evt-board', title: 'Board Meeting', startsAt: at(T0 - 30 * MIN), endsAt: at(T0 + 90 * MIN) };
const seed = (valueMs: number, now = T0): BrakeInput => ({
  now: at(now),
  day: 4,
  latestSample: { valueMs, metric: 'sdnn', measuredAt: at(now - 5 * MIN) },
  baseline: { meanMs: 50.1, stdDevMs: 6.2, sampleCount: 42 },
  activeEvents: [boardMeeting],
  lockedEventIds: new Set(),
});

describe('seed 000 worked examples', () => {
  it('HRV 35.2 vs baseline 50.1 on Day 4 during "Board Meeting" → the brake shows for that event', () => {
    expect(evaluateBrake(seed(35.2), defaultRules)).toEqual({ show: true, event: boardMeeting });
  });

  it('Delay → re-trigger 20 minutes later; silent until then; shows again at exactly +20 min', () => {
    const { state, outcome } = applyDecision(recordBrakeShown(emptyBrakeState, boardMeeting.id), 'delay', at(T0), defaultRules);
    expect(outcome).toEqual({ decision: 'delay', eventId: 'evt-board', nextAction: 'cooling_period_activated', reTriggerAt: at(T0 + 20 * MIN), decidedAt: at(T0) });
    expect(outcome.reTriggerAt?.toISOString()).toBe('2024-01-09T15:50:00.000Z');
    const check = (now: number) => evaluateBrake({ ...seed(35.2, now), coolingUntil: state.coolingUntil, lockedEventIds: state.lockedEventIds }, defaultRules);
    expect(check(T0)).toEqual({ show: false, reason: 'cooling' });
    expect(check(T0 + 20 * MIN - 1)).toEqual({ show: false, reason: 'cooling' });
    expect(check(T0 + 20 * MIN)).toEqual({ show: true, event: boardMeeting });
  });

  it.each([
    [40.1, { show: false, reason: 'hrv_normal' }], // 40.1 / 50.1 = 0.8004: not a 20% drop
    [40.08, { show: true, event: boardMeeting }], // exactly 0.8 × 50.1
    [40.079, { show: true, event: boardMeeting }],
  ])('HRV %d vs 50.1 → %j', (valueMs, expected) => {
    expect(evaluateBrake(seed(valueMs), defaultRules)).toEqual(expected);
  });
});

describe('evaluateBrake boundaries', () => {
  const check = (patch: Partial<BrakeInput>) => evaluateBrake({ ...seed(35.2), ...patch }, defaultRules);
  const sampleAged = (ageMs: number) => ({ latestSample: { valueMs: 35.2, metric: 'sdnn' as const, measuredAt: at(T0 - ageMs) } });

  it('counts a sample exactly 60 minutes old (or up to a minute in the future) as fresh', () => {
    expect(check(sampleAged(60 * MIN)).show).toBe(true);
    expect(check(sampleAged(60 * MIN + 1))).toEqual({ show: false, reason: 'stale_hrv' });
    expect(check(sampleAged(-MIN)).show).toBe(true);
    expect(check(sampleAged(-MIN - 1))).toEqual({ show: false, reason: 'stale_hrv' });
    expect(check({ latestSample: undefined })).toEqual({ show: false, reason: 'stale_hrv' });
  });

  it('takes the future tolerance from the rules (CLOCK_SKEW_TOLERANCE_SECONDS)', () => {
    const rules = { ...defaultRules, clockSkewToleranceSeconds: 5 };
    const ahead = (ms: number) => evaluateBrake({ ...seed(35.2), ...sampleAged(-ms) }, rules);
    expect(ahead(5_000).show).toBe(true);
    expect(ahead(5_001)).toEqual({ show: false, reason: 'stale_hrv' });
  });

  it('shows at exactly 0.8 × mean even where the floating-point product rounds below it', () => {
    expect(0.8 * 44.8).toBeLessThan(35.84); // 35.839999999999996
    expect(check({ baseline: { meanMs: 44.8, stdDevMs: 5, sampleCount: 10 }, latestSample: { valueMs: 35.84, metric: 'sdnn', measuredAt: at(T0) } }).show).toBe(true);
    expect(check({ baseline: { meanMs: 44.8, stdDevMs: 5, sampleCount: 10 }, latestSample: { valueMs: 35.85, metric: 'sdnn', measuredAt: at(T0) } })).toEqual({ show: false, reason: 'hrv_normal' });
  });

  it('treats an event as running from its start (inclusive) to its end (exclusive)', () => {
    expect(check({ activeEvents: [{ ...boardMeeting, startsAt: at(T0) }] }).show).toBe(true);
    expect(check({ activeEvents: [{ ...boardMeeting, startsAt: at(T0 + 1) }] })).toEqual({ show: false, reason: 'no_high_stakes_event' });
    expect(check({ activeEvents: [{ ...boardMeeting, endsAt: at(T0) }] })).toEqual({ show: false, reason: 'no_high_stakes_event' });
  });

  it('refuses a baseline of the other metric or without samples', () => {
    expect(check({ baseline: { meanMs: 50.1, stdDevMs: 6, sampleCount: 42, metric: 'rmssd' } })).toEqual({ show: false, reason: 'no_baseline' });
    expect(check({ baseline: { meanMs: 50.1, stdDevMs: 6, sampleCount: 42, metric: 'sdnn' } }).show).toBe(true);
    expect(check({ baseline: { meanMs: 50.1, stdDevMs: 0, sampleCount: 0 } })).toEqual({ show: false, reason: 'no_baseline' });
    expect(check({ baseline: undefined })).toEqual({ show: false, reason: 'no_baseline' });
  });

  it('picks the earliest-starting unlocked event, then the smallest id, whatever the input order', () => {
    const e = (id: string, startMin: number): HighStakesEvent => ({ id, title: 'Review', startsAt: at(T0 - startMin * MIN), endsAt: at(T0 + MIN) });
    expect(check({ activeEvents: [e('b', 10), e('a', 20), e('c', 30)] })).toMatchObject({ event: { id: 'c' } });
    expect(check({ activeEvents: [e('b', 30), e('a', 30), e('c', 30)] })).toMatchObject({ event: { id: 'a' } });
    expect(check({ activeEvents: [e('b', 30), e('a', 30)], lockedEventIds: new Set(['a']) })).toMatchObject({ event: { id: 'b' } });
  });

  // Each row breaks two conditions; the reason is the earlier one in the documented order.
  it.each<[string, Partial<BrakeInput>, BrakeReason]>([
    ['day 2 and cooling', { day: 2, coolingUntil: at(T0 + MIN) }, 'silence_phase'],
    ['day 0', { day: 0 }, 'silence_phase'],
    ['day 6 and no event', { day: 6, activeEvents: [] }, 'preparation_phase'],
    ['day 7 and stale', { day: 7, latestSample: undefined }, 'reflection_phase'],
    ['day 9', { day: 9 }, 'reflection_phase'],
    ['cooling and no event', { coolingUntil: at(T0 + MIN), activeEvents: [] }, 'cooling'],
    ['no event and stale', { activeEvents: [], latestSample: undefined }, 'no_high_stakes_event'],
    ['locked and stale', { lockedEventIds: new Set(['evt-board']), latestSample: undefined }, 'locked_for_event'],
    ['stale and no baseline', { latestSample: { valueMs: 35.2, metric: 'sdnn', measuredAt: at(T0 - 2 * 60 * MIN) }, baseline: undefined }, 'stale_hrv'],
    ['no baseline and normal', { latestSample: { valueMs: 80, metric: 'sdnn', measuredAt: at(T0) }, baseline: undefined }, 'no_baseline'],
  ])('%s → %s', (_name, patch, reason) => {
    expect(check(patch)).toEqual({ show: false, reason });
  });
});

// ---- Properties over arbitrary situations.
const IDS = ['a', 'b', 'c', 'd', 'e'];
const eventsArb = fc.uniqueArray(
  fc.record({ id: fc.constantFrom(...IDS), startMin: fc.integer({ min: -240, max: 60 }), durationMin: fc.integer({ min: 1, max: 300 }) }),
  { selector: (e) => e.id, maxLength: 5 },
);
const toEvents = (events: Array<{ id: string; startMin: number; durationMin: number }>, base: number): HighStakesEvent[] =>
  events.map((e) => ({ id: e.id, title: `Review ${e.id}`, startsAt: at(base + e.startMin * MIN), endsAt: at(base + (e.startMin + e.durationMin) * MIN) }));
const edgy = (range: { min: number; max: number }, edges: number[]) => fc.oneof(fc.integer(range), fc.constantFrom(...edges));

const anyInput = fc
  .record({
    day: fc.integer({ min: -3, max: 12 }),
    events: eventsArb,
    locked: fc.subarray(IDS),
    sample: fc.option(
      fc.record({ valueMs: fc.double({ min: 10, max: 150, noNaN: true }), ageMs: edgy({ min: -5 * MIN, max: 120 * MIN }, [60 * MIN, 60 * MIN + 1, -MIN, -MIN - 1]) }),
      { nil: undefined },
    ),
    baseline: fc.option(fc.record({ meanMs: fc.double({ min: 20, max: 150, noNaN: true }), stdDevMs: fc.double({ min: 0, max: 30, noNaN: true }), sampleCount: fc.integer({ min: 1, max: 100 }) }), { nil: undefined }),
    coolingMs: fc.option(edgy({ min: -60 * MIN, max: 60 * MIN }, [0, 1, -1]), { nil: undefined }),
  })
  .map(
    (r): BrakeInput => ({
      now: at(T0),
      day: r.day,
      activeEvents: toEvents(r.events, T0),
      lockedEventIds: new Set(r.locked),
      latestSample: r.sample && { valueMs: r.sample.valueMs, metric: 'rmssd', measuredAt: at(T0 - r.sample.ageMs) },
      baseline: r.baseline,
      coolingUntil: r.coolingMs === undefined ? undefined : at(T0 + r.coolingMs),
    }),
  );

/** The rules restated from ARCHITECTURE.md, as the first failing condition in the documented order. */
function expectedReason(i: BrakeInput): BrakeReason | undefined {
  const now = i.now.getTime();
  if (i.day <= 2) return 'silence_phase';
  if (i.day === 6) return 'preparation_phase';
  if (i.day >= 7) return 'reflection_phase';
  if (i.coolingUntil && now < i.coolingUntil.getTime()) return 'cooling';
  const running = i.activeEvents.filter((e) => e.startsAt.getTime() <= now && now < e.endsAt.getTime());
  if (running.length === 0) return 'no_high_stakes_event';
  if (running.every((e) => i.lockedEventIds.has(e.id))) return 'locked_for_event';
  const age = i.latestSample ? now - i.latestSample.measuredAt.getTime() : Infinity;
  if (age > 60 * MIN || age < -MIN) return 'stale_hrv';
  if (!i.baseline) return 'no_baseline';
  if (i.latestSample!.valueMs / i.baseline.meanMs > 0.8 + 1e-12) return 'hrv_normal';
  return undefined;
}

describe('evaluateBrake properties', () => {
  it('shows exactly when every rule holds, and otherwise names the first rule that fails', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const decision = evaluateBrake(input, defaultRules);
        const reason = expectedReason(input);
        expect(decision.show ? undefined : decision.reason).toBe(reason);
      }),
      { numRuns: 500 },
    );
  });

  it('never shows on days 1–2, 6, 7 or outside 1–7, nor while cooling', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const decision = evaluateBrake(input, defaultRules);
        if (input.day < 3 || input.day > 5) expect(decision.show).toBe(false);
        if (input.coolingUntil && input.now < input.coolingUntil) expect(decision.show).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('when it shows, shows for a running, unlocked event: the earliest to start (then the smallest id)', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const decision = evaluateBrake(input, defaultRules);
        if (!decision.show) return;
        const now = input.now.getTime();
        const candidates = input.activeEvents.filter((e) => e.startsAt.getTime() <= now && now < e.endsAt.getTime() && !input.lockedEventIds.has(e.id));
        expect(candidates).toContain(decision.event);
        for (const other of candidates) {
          const earlier = other.startsAt < decision.event.startsAt || (other.startsAt.getTime() === decision.event.startsAt.getTime() && other.id < decision.event.id);
          expect(earlier).toBe(false);
        }
        expect(evaluateBrake({ ...input, activeEvents: input.activeEvents.toReversed() }, defaultRules)).toEqual(decision);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- Brakes and answers together: situations where the brake shows at T0, then what Proceed and Delay do.
const braking = fc
  .record({
    day: fc.integer({ min: 3, max: 5 }),
    // One event runs from T0 until at least T0 + 90 min; others may run, have ended or not yet begun.
    first: fc
      .record({ startMin: fc.integer({ min: -120, max: 0 }), endMin: fc.integer({ min: 90, max: 300 }) })
      .map(({ startMin, endMin }) => ({ id: 'a', startMin, durationMin: endMin - startMin })),
    others: fc.uniqueArray(fc.record({ id: fc.constantFrom('b', 'c', 'd'), startMin: fc.integer({ min: -120, max: 120 }), durationMin: fc.integer({ min: 1, max: 300 }) }), { selector: (e) => e.id }),
    meanMs: fc.double({ min: 20, max: 150, noNaN: true }),
    dropFactor: fc.double({ min: 0.3, max: 0.8, noNaN: true }), // value = factor × mean ≤ 0.8 × mean
  })
  .map(({ day, first, others, meanMs, dropFactor }) => ({
    day,
    events: toEvents([first, ...others], T0),
    baseline: { meanMs, stdDevMs: meanMs / 10, sampleCount: 20 },
    valueMs: dropFactor * meanMs,
  }));
type Braking = typeof braking extends fc.Arbitrary<infer T> ? T : never;

/** The same body and calendar at a later instant, with a sample just taken, and the user's brake state. */
const checkAt = (s: Braking, now: number, state: { coolingUntil?: Date; lockedEventIds: ReadonlySet<string> }) =>
  evaluateBrake(
    { now: at(now), day: s.day, latestSample: { valueMs: s.valueMs, metric: 'sdnn', measuredAt: at(now) }, baseline: s.baseline, activeEvents: s.events, coolingUntil: state.coolingUntil, lockedEventIds: state.lockedEventIds },
    defaultRules,
  );
const runningAt = (s: Braking, now: number) => s.events.filter((e) => e.startsAt.getTime() <= now && now < e.endsAt.getTime());

describe('brake and decisions together', () => {
  it('Proceed silences only its own event: another running, unlocked event can still brake', () => {
    fc.assert(
      fc.property(braking, fc.integer({ min: 0, max: 120 * MIN }), (s, later) => {
        const first = checkAt(s, T0, emptyBrakeState);
        if (!first.show) throw new Error('the generator must produce a braking situation');
        const { state } = applyDecision(recordBrakeShown(emptyBrakeState, first.event.id), 'proceed', at(T0), defaultRules);
        const t = T0 + later;
        const again = checkAt(s, t, state);
        const others = runningAt(s, t).filter((e) => e.id !== first.event.id);
        if (others.length > 0) {
          expect(again.show).toBe(true);
          expect(again.show && again.event.id).not.toBe(first.event.id);
        } else {
          expect(again).toEqual({ show: false, reason: runningAt(s, t).length > 0 ? 'locked_for_event' : 'no_high_stakes_event' });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answering Proceed to every brake in turn locks each running event once, then stays silent', () => {
    fc.assert(
      fc.property(braking, (s) => {
        let state = emptyBrakeState;
        const shownFor: string[] = [];
        for (let decision = checkAt(s, T0, state); decision.show; decision = checkAt(s, T0, state)) {
          shownFor.push(decision.event.id);
          state = applyDecision(recordBrakeShown(state, decision.event.id), 'proceed', at(T0), defaultRules).state;
          expect(shownFor.length).toBeLessThanOrEqual(s.events.length);
        }
        expect(shownFor.toSorted()).toEqual(runningAt(s, T0).map((e) => e.id).toSorted());
        expect(checkAt(s, T0, state)).toEqual({ show: false, reason: 'locked_for_event' });
      }),
      { numRuns: 200 },
    );
  });

  it('Delay: silent for every event throughout the cooling period, and shows again once it ends while the conditions hold', () => {
    fc.assert(
      fc.property(braking, fc.integer({ min: 0, max: 20 * MIN - 1 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 70 * MIN })), (s, during, after) => {
        const first = checkAt(s, T0, emptyBrakeState);
        if (!first.show) throw new Error('the generator must produce a braking situation');
        const { state, outcome } = applyDecision(recordBrakeShown(emptyBrakeState, first.event.id), 'delay', at(T0), defaultRules);
        expect(outcome.reTriggerAt).toEqual(at(T0 + 20 * MIN));
        expect(checkAt(s, T0 + during, state)).toEqual({ show: false, reason: 'cooling' });
        const t = T0 + 20 * MIN + after;
        // Event 'a' still runs at t ≤ T0 + 90 min, the body has not recovered: the brake is back, and the
        // Delay has left no trace (the same answer as if it had never been given).
        const again = checkAt(s, t, state);
        expect(again.show).toBe(true);
        expect(again).toEqual(checkAt(s, t, emptyBrakeState));
      }),
      { numRuns: 300 },
    );
  });
});
