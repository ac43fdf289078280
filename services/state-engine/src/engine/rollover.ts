import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import { CycleResetReason, CycleResetSchema } from '@omtobe/proto/state-engine/v1';
import { addLocalDays, cycleEnd, cycleStart } from '../domain/index.ts';
import type { Db } from '../store/db.ts';
import { updateUserState, type UserState } from '../store/user-states.repo.ts';

/** When the user's time-driven work is next due: the answered cycle's successor, or the end of Day 7. */
export function dueAtOf(state: Pick<UserState, 'timezone' | 'cycle_start_date' | 'next_cycle_start_date'>): Date {
  return state.next_cycle_start_date
    ? cycleStart(state.next_cycle_start_date, state.timezone)
    : cycleEnd(state.cycle_start_date, state.timezone);
}

/**
 * Starts every cycle that is due by `now` (several when the user was away for weeks), publishing one
 * CycleReset per ended cycle. Runs inside the transaction that locked the user's row; returns the state after.
 */
export async function rollOverIfDue(trx: Db, state: UserState, now: Date): Promise<UserState> {
  let current = state;
  while (current.due_at.getTime() <= now.getTime()) {
    const reflected = current.next_cycle_start_date !== null;
    const nextStartDate = current.next_cycle_start_date ?? addLocalDays(current.cycle_start_date, 7);
    const previousStart = cycleStart(current.cycle_start_date, current.timezone);
    const newStart = cycleStart(nextStartDate, current.timezone);
    await enqueueEvent(trx, {
      topic: topics.decisions,
      key: current.user_id,
      schema: CycleResetSchema,
      message: create(CycleResetSchema, {
        userId: current.user_id,
        reason: reflected ? CycleResetReason.REFLECTED : CycleResetReason.EXPIRED,
        previousCycleStart: timestampFromDate(previousStart),
        newCycleStart: timestampFromDate(newStart),
      }),
      occurredAt: newStart,
    });
    const next: UserState = {
      ...current,
      cycle_start_date: nextStartDate,
      reflection_answered_at: null,
      next_cycle_start_date: null,
      pending_event_id: null,
      cooling_until: null,
      locked_event_ids: [],
      updated_at: now,
    };
    current = { ...next, due_at: dueAtOf(next) };
  }
  if (current !== state) {
    const { user_id: _id, ...changes } = current;
    await updateUserState(trx, state.user_id, changes);
  }
  return current;
}
