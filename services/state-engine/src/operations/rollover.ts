import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import { CycleResetReason, CycleResetSchema } from '@omtobe/proto/state-engine/v1';
import { plannedReset, rollover, type CycleState } from '../domain/index.ts';
import type { Db } from '../store/database.ts';
import { updateUserState, type UserState } from '../store/user-states.repo.ts';
import { registrationOf } from './registration.ts';

type CycleColumns = Pick<UserState, 'timezone' | 'cycle_start_date' | 'next_cycle_start_date' | 'reflection_answered_at'>;

function cycleOf(state: CycleColumns): CycleState {
  return {
    startDate: state.cycle_start_date,
    ...(state.reflection_answered_at ? { reflectionAnsweredAt: state.reflection_answered_at } : {}),
    ...(state.next_cycle_start_date ? { nextCycleStartDate: state.next_cycle_start_date } : {}),
  };
}

/** What every new cycle starts without: a reflection, a pending brake, cooling or locks. */
export function freshCycle() {
  return {
    reflection_answered_at: null,
    next_cycle_start_date: null,
    pending_event_id: null,
    pending_day: null,
    cooling_until: null,
    locked_event_ids: [],
  } satisfies Partial<UserState>;
}

/** When the user's time-driven work is next due: the start of the cycle after this one. */
export function dueAtOf(state: CycleColumns): Date {
  return plannedReset(cycleOf(state), state.timezone).at;
}

/**
 * Starts every cycle that is due by `now` (several when the user was away for weeks), publishing one
 * CycleReset per ended cycle. Runs inside the transaction that locked the user's row; returns the state after.
 * A new cycle starts with an empty brake state: no pending brake, cooling or locks.
 *
 * previous_cycle_start is the instant that cycle did start (stored when it started), not its start date
 * read in today's zone: after a zone change that would be an instant the cycle never started at.
 */
export async function rollOverIfDue(trx: Db, state: UserState, now: Date): Promise<UserState> {
  const { cycle, resets } = rollover(cycleOf(state), now, state.timezone);
  if (resets.length === 0) return state;
  let previousStart = state.cycle_started_at;
  for (const reset of resets) {
    await enqueueEvent(trx, {
      topic: topics.decisions,
      key: state.user_id,
      schema: CycleResetSchema,
      message: create(CycleResetSchema, {
        userId: state.user_id,
        reason: reset.reason === 'reflected' ? CycleResetReason.REFLECTED : CycleResetReason.EXPIRED,
        previousCycleStart: timestampFromDate(previousStart),
        newCycleStart: timestampFromDate(reset.at),
        ...registrationOf(state),
      }),
      occurredAt: reset.at,
    });
    previousStart = reset.at;
  }
  const next: UserState = { ...state, ...freshCycle(), cycle_start_date: cycle.startDate, cycle_started_at: previousStart, updated_at: now };
  next.due_at = dueAtOf(next);
  const { user_id: _id, ...changes } = next;
  await updateUserState(trx, state.user_id, changes);
  return next;
}
