/**
 * Delay and Proceed, the only two answers to a brake. The state is the user's brake state within the
 * current cycle; a new cycle starts from `emptyBrakeState`.
 *
 * Delay pauses the brake for everyone's sake (cooling is per user, not per event: the point is a pause
 * before *any* decision); Proceed is about one event only, so another high-stakes event can still brake.
 */
import { FailedPreconditionError, InvalidArgumentError } from '@omtobe/platform';
import type { Rules } from './rules.ts';

export type Decision = 'proceed' | 'delay';

export type NextAction = 'cooling_period_activated' | 'decision_locked';

export interface BrakeState {
  /** The event the last shown brake was for, until it is answered. */
  readonly pendingEventId?: string;
  readonly coolingUntil?: Date;
  /** Events the user chose Proceed for in this cycle. */
  readonly lockedEventIds: ReadonlySet<string>;
}

export interface DecisionOutcome {
  readonly decision: Decision;
  readonly eventId: string;
  readonly nextAction: NextAction;
  /** Delay only: when the cooling period ends and the brake may show again. */
  readonly reTriggerAt?: Date;
  readonly decidedAt: Date;
}

export const emptyBrakeState: BrakeState = Object.freeze({ lockedEventIds: new Set<string>() });

/** The brake as it was shown: for which event, on which cycle day. */
export interface ShownBrake {
  readonly eventId: string;
  readonly day: number;
}

/**
 * Why a shown brake can no longer be answered, or undefined when it can. A decision answers the brake as it
 * was shown, or nothing: on the cycle day it was shown (a brake seen at 23:55 on Day 5 is not a question about
 * Day 6, which may be a day without brakes — an answer then would be logged on the wrong day and start cooling
 * where no brake could show), and while its event, as last edited, is running (a meeting that ended early,
 * was moved or was withdrawn is no longer the moment it asked about).
 */
export function whyNotAnswerable(
  shown: Partial<ShownBrake>,
  today: number,
  event: { readonly startsAt: Date; readonly endsAt: Date } | undefined,
  now: Date,
): string | undefined {
  if (shown.eventId === undefined) return 'there is no brake waiting for an answer';
  if (shown.day !== today) return `the brake was shown on Day ${shown.day ?? '?'} and it is Day ${today} now: it no longer waits for an answer`;
  if (event === undefined || !(event.startsAt.getTime() <= now.getTime() && now.getTime() < event.endsAt.getTime())) {
    return 'the event the brake was shown for is no longer running';
  }
  return undefined;
}

/** The brake a decision answers (logged with the day it was shown), or FAILED_PRECONDITION `no_pending_brake`. */
export function answerableBrake(
  shown: Partial<ShownBrake>,
  today: number,
  event: { readonly startsAt: Date; readonly endsAt: Date } | undefined,
  now: Date,
): ShownBrake {
  const why = whyNotAnswerable(shown, today, event, now);
  if (why !== undefined || shown.eventId === undefined || shown.day === undefined) {
    throw new FailedPreconditionError(why ?? 'there is no brake waiting for an answer', { reason: 'no_pending_brake' });
  }
  return { eventId: shown.eventId, day: shown.day };
}

/**
 * Remembers which event a shown brake was for, so the answer applies to that event. A newer brake
 * replaces an unanswered older one: only the question on screen now can be answered.
 */
export function recordBrakeShown(state: BrakeState, eventId: string): BrakeState {
  return { ...state, pendingEventId: eventId };
}

export function applyDecision(state: BrakeState, decision: Decision, now: Date, rules: Pick<Rules, 'coolingMinutes'>): { state: BrakeState; outcome: DecisionOutcome } {
  const eventId = state.pendingEventId;
  if (eventId === undefined) {
    throw new FailedPreconditionError('there is no brake waiting for an answer', { reason: 'no_pending_brake' });
  }
  const { pendingEventId: _answered, ...rest } = state;
  if (decision === 'delay') {
    const coolingUntil = new Date(now.getTime() + rules.coolingMinutes * 60_000);
    return {
      state: { ...rest, coolingUntil },
      outcome: { decision, eventId, nextAction: 'cooling_period_activated', reTriggerAt: coolingUntil, decidedAt: now },
    };
  }
  if (decision === 'proceed') {
    // A new set: callers may hold the previous state (e.g. to compare), so it is never mutated.
    const lockedEventIds = new Set(state.lockedEventIds).add(eventId);
    return {
      state: { ...rest, lockedEventIds },
      outcome: { decision, eventId, nextAction: 'decision_locked', decidedAt: now },
    };
  }
  throw new InvalidArgumentError('a decision is proceed or delay', { reason: 'invalid_decision' });
}
