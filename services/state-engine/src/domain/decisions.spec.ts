import { describe, expect, it } from '@jest/globals';
import { FailedPreconditionError, InvalidArgumentError } from '@omtobe/platform';
import { answerableBrake, applyDecision, emptyBrakeState, recordBrakeShown } from './decisions.ts';
import type { BrakeState, Decision } from './decisions.ts';
import { defaultRules } from './rules.ts';

const now = new Date('2024-01-09T15:30:00Z');

describe('applyDecision', () => {
  it.each<Decision>(['proceed', 'delay'])('refuses %s without a pending brake (FAILED_PRECONDITION, no_pending_brake)', (decision) => {
    expect(() => applyDecision(emptyBrakeState, decision, now, defaultRules)).toThrow(FailedPreconditionError);
    try {
      applyDecision({ lockedEventIds: new Set(['x']), coolingUntil: now }, decision, now, defaultRules);
    } catch (error) {
      expect((error as FailedPreconditionError).reason).toBe('no_pending_brake');
    }
    expect.assertions(2);
  });

  it('Delay starts the cooling period, clears the pending brake and leaves the locks alone', () => {
    const before: BrakeState = { pendingEventId: 'e1', lockedEventIds: new Set(['e0']) };
    const { state, outcome } = applyDecision(before, 'delay', now, defaultRules);
    expect(state).toEqual({ coolingUntil: new Date('2024-01-09T15:50:00Z'), lockedEventIds: new Set(['e0']) });
    expect(outcome).toEqual({ decision: 'delay', eventId: 'e1', nextAction: 'cooling_period_activated', reTriggerAt: new Date('2024-01-09T15:50:00Z'), decidedAt: now });
  });

  it('uses the configured cooling period', () => {
    const { outcome } = applyDecision(recordBrakeShown(emptyBrakeState, 'e1'), 'delay', now, { coolingMinutes: 5 });
    expect(outcome.reTriggerAt).toEqual(new Date('2024-01-09T15:35:00Z'));
  });

  it('Proceed locks that event only, clears the pending brake, and does not touch the caller’s state', () => {
    const before: BrakeState = { pendingEventId: 'e1', lockedEventIds: new Set(['e0']) };
    const { state, outcome } = applyDecision(before, 'proceed', now, defaultRules);
    expect(state).toEqual({ lockedEventIds: new Set(['e0', 'e1']) });
    expect(outcome).toEqual({ decision: 'proceed', eventId: 'e1', nextAction: 'decision_locked', decidedAt: now });
    expect(before).toEqual({ pendingEventId: 'e1', lockedEventIds: new Set(['e0']) });
  });

  it('accepts one answer per brake: a second answer finds nothing pending', () => {
    const { state } = applyDecision(recordBrakeShown(emptyBrakeState, 'e1'), 'delay', now, defaultRules);
    expect(() => applyDecision(state, 'proceed', now, defaultRules)).toThrow(FailedPreconditionError);
  });

  it('refuses anything but proceed or delay as an invalid argument', () => {
    expect(() => applyDecision(recordBrakeShown(emptyBrakeState, 'e1'), 'maybe' as Decision, now, defaultRules)).toThrow(InvalidArgumentError);
  });
});

describe('recordBrakeShown', () => {
  it('remembers the event, a newer brake replacing an unanswered one', () => {
    const first = recordBrakeShown(emptyBrakeState, 'e1');
    const second = recordBrakeShown(first, 'e2');
    expect(second.pendingEventId).toBe('e2');
    expect(applyDecision(second, 'proceed', now, defaultRules).outcome.eventId).toBe('e2');
    expect(emptyBrakeState.pendingEventId).toBeUndefined();
  });
});

describe('answerableBrake', () => {
  const running = { startsAt: new Date(now.getTime() - 60_000), endsAt: new Date(now.getTime() + 60_000) };
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return { type: (error as Error).constructor.name, reason: (error as FailedPreconditionError).reason, message: (error as Error).message };
    }
    return undefined;
  };

  it('answers the brake as it was shown: same cycle day, its event running now', () => {
    expect(answerableBrake({ eventId: 'e1', day: 5 }, 5, running, now)).toEqual({ eventId: 'e1', day: 5 });
  });

  it('refuses a brake shown on Day 5 when it is Day 6', () => {
    expect(refusal(() => answerableBrake({ eventId: 'e1', day: 5 }, 6, running, now))).toEqual({
      type: 'FailedPreconditionError',
      reason: 'no_pending_brake',
      message: 'the brake was shown on Day 5 and it is Day 6 now: it no longer waits for an answer',
    });
  });

  it.each([
    ['ended', { startsAt: running.startsAt, endsAt: now }],
    ['moved later', { startsAt: new Date(now.getTime() + 1), endsAt: new Date(now.getTime() + 3_600_000) }],
    ['withdrawn', undefined],
  ])('refuses a brake whose event was %s', (_edit, event) => {
    expect(refusal(() => answerableBrake({ eventId: 'e1', day: 5 }, 5, event, now))).toMatchObject({ reason: 'no_pending_brake', message: 'the event the brake was shown for is no longer running' });
  });

  it('refuses without a shown brake, or one whose day is unknown', () => {
    expect(refusal(() => answerableBrake({}, 5, running, now))).toMatchObject({ reason: 'no_pending_brake' });
    expect(refusal(() => answerableBrake({ eventId: 'e1' }, 5, running, now))).toMatchObject({ reason: 'no_pending_brake' });
  });
});
