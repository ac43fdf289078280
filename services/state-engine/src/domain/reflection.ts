/**
 * The Day 7 reflection: offered from `reflectionHour` local on Day 7 until answered or the day ends,
 * answered at most once per cycle. Answering schedules the next cycle for the next local midnight; the
 * current cycle keeps running (and stays Day 7) until then.
 */
import { FailedPreconditionError } from '@omtobe/platform';
import { startOfLocalDay } from './calendar-days.ts';
import { nextCycleAfterReflection, reflectionWindow } from './cycle.ts';
import type { Rules } from './rules.ts';

export type ReflectionResponse = 'yes' | 'no' | 'skip';

export interface ReflectableCycle {
  readonly startDate: string;
  readonly reflectionAnsweredAt?: Date;
}

export interface ReflectionOutcome {
  readonly answeredAt: Date;
  /** The next cycle's first local date. */
  readonly nextCycleStartDate: string;
  /** Its first instant (the next local midnight), as announced in SubmitReflectionResponse.new_cycle_start. */
  readonly nextCycleStartsAt: Date;
}

function isOpen(cycle: ReflectableCycle, now: Date, timeZone: string, rules: Pick<Rules, 'reflectionHour'>): boolean {
  const { opensAt, closesAt } = reflectionWindow(cycle.startDate, timeZone, rules);
  return opensAt.getTime() <= now.getTime() && now.getTime() < closesAt.getTime();
}

/** True when the app should show the reflection question now. */
export function canReflect(cycle: ReflectableCycle, now: Date, timeZone: string, rules: Pick<Rules, 'reflectionHour'>): boolean {
  return cycle.reflectionAnsweredAt === undefined && isOpen(cycle, now, timeZone, rules);
}

/**
 * Accepts an answer (Yes, No and Skip alike: the response does not change the schedule, so the caller
 * records it without passing it here). "Already answered" is checked first: a second answer inside the
 * window is the more useful message, and retries with the same idempotency key never get here.
 */
export function applyReflection(cycle: ReflectableCycle, now: Date, timeZone: string, rules: Pick<Rules, 'reflectionHour'>): ReflectionOutcome {
  if (cycle.reflectionAnsweredAt !== undefined) {
    throw new FailedPreconditionError('this cycle’s reflection was already answered', { reason: 'reflection_already_answered' });
  }
  if (!isOpen(cycle, now, timeZone, rules)) {
    throw new FailedPreconditionError('the reflection is open only on Day 7 from its opening hour until the day ends', { reason: 'reflection_not_open' });
  }
  const nextCycleStartDate = nextCycleAfterReflection(now, timeZone);
  return { answeredAt: now, nextCycleStartDate, nextCycleStartsAt: startOfLocalDay(nextCycleStartDate, timeZone) };
}
