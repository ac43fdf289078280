import type { DevClock } from '@omtobe/db';
import { cycleStart, setCycleDay as startDateFor } from '../domain/index.ts';
import { lockUserState, updateUserState } from '../store/user-states.repo.ts';
import type { Engine } from './engine.ts';
import { reconcilePrompt } from './prompts.ts';
import { dueAtOf } from './rollover.ts';
import { unknownUser } from './snapshot.ts';

/**
 * Development mode's "quick actions": move a user's cycle so today is a given day (a fresh cycle: no
 * reflection, cooling, locks or pending brake), and move the service's clock forward (AdvanceClock, kept for
 * callers of old; the gateway moves every service's clock at once with AdvanceDevClock).
 */
export async function setCycleDay(engine: Engine, userId: string, day: number): Promise<{ day: number; cycleStartDate: string }> {
  const now = engine.clock.now();
  return engine.db.transaction().execute(async (trx) => {
    const state = await lockUserState(trx, userId);
    if (!state) throw unknownUser();
    const cycleStartDate = startDateFor(now, state.timezone, day);
    const next = { ...state, cycle_start_date: cycleStartDate, next_cycle_start_date: null, reflection_answered_at: null };
    await updateUserState(trx, userId, {
      cycle_start_date: cycleStartDate,
      cycle_started_at: cycleStart(cycleStartDate, state.timezone),
      reflection_answered_at: null,
      next_cycle_start_date: null,
      pending_event_id: null,
      pending_day: null,
      cooling_until: null,
      locked_event_ids: [],
      due_at: dueAtOf(next),
      updated_at: now,
    });
    await reconcilePrompt(trx, userId, now, engine.rules);
    return { day, cycleStartDate };
  });
}

export async function advanceClock(clock: DevClock, ms: number): Promise<Date> {
  await clock.advanceTo(clock.offsetMs + ms);
  return clock.now();
}
