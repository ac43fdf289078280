/**
 * When a cycle ends and which one follows. Exactly one reset per cycle: each reset moves to the cycle
 * that follows the current one, never further, so a user who was away for three weeks gets three
 * `expired` resets in order (each is a fact the decision log may count), not one jump.
 *
 * The brake state (pending brake, cooling, locks) belongs to a cycle: the caller starts each new cycle
 * with `emptyBrakeState` (decisions.ts), as seed 000's reset_cycle clears cooling and locks.
 */
import { nextCycleAfterExpiry, nextCycleAfterReflection } from './cycle.ts';
import { daysBetween, startOfLocalDay } from './calendar-days.ts';

export interface CycleState {
  /** The cycle's first local date. */
  readonly startDate: string;
  /** When the Day 7 reflection was answered, if it was. */
  readonly reflectionAnsweredAt?: Date;
  /**
   * The next cycle's start date as decided when the reflection was answered (applyReflection). Kept so
   * that a later zone change cannot move a decision already announced in the ReflectionRecorded event.
   */
  readonly nextCycleStartDate?: string;
}

export type CycleResetReason = 'reflected' | 'expired';

export interface CycleReset {
  readonly reason: CycleResetReason;
  readonly previousStartDate: string;
  readonly nextStartDate: string;
  /** The instant the next cycle begins (its first local instant); the reset is due from then on. */
  readonly at: Date;
}

/** How and when this cycle ends; the due-work loop schedules the user at `at`. */
export function plannedReset(cycle: CycleState, timeZone: string): CycleReset {
  let reason: CycleResetReason = 'expired';
  let nextStartDate = nextCycleAfterExpiry(cycle.startDate);
  if (cycle.reflectionAnsweredAt !== undefined) {
    const afterAnswer = cycle.nextCycleStartDate ?? nextCycleAfterReflection(cycle.reflectionAnsweredAt, timeZone);
    reason = 'reflected';
    // An answer is only accepted on Day 7, so afterAnswer is Day 8's date; a stored value that is not
    // after the start (corrupt data) must not stall or rewind the cycle, so the expiry date wins then.
    if (daysBetween(cycle.startDate, afterAnswer) >= 1) nextStartDate = afterAnswer;
  }
  return { reason, previousStartDate: cycle.startDate, nextStartDate, at: startOfLocalDay(nextStartDate, timeZone) };
}

/** Every reset due by `now`, oldest first, and the cycle that is current at `now`. */
export function rollover(cycle: CycleState, now: Date, timeZone: string): { cycle: CycleState; resets: CycleReset[] } {
  const resets: CycleReset[] = [];
  let current = cycle;
  for (;;) {
    const reset = plannedReset(current, timeZone);
    if (reset.at.getTime() > now.getTime()) return { cycle: current, resets };
    resets.push(reset);
    current = { startDate: reset.nextStartDate };
  }
}
