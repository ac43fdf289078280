import type { DevClock } from '@omtobe/db';
import { cycleStart, setCycleDay as startDateFor } from '../domain/index.ts';
import { lockUserState, updateUserState } from '../store/user-states.repo.ts';
import type { Deps } from './deps.ts';
import { reconcilePrompt } from './prompts.ts';
import { dueAtOf, freshCycle } from './rollover.ts';
import { unknownUser } from './snapshot.ts';

/**
 * Development mode's "quick actions": move a user's cycle so today is a given day (a fresh cycle: no
 * reflection, cooling, locks or pending brake), and move the service's clock forward (AdvanceClock, kept for
 * callers of old; the gateway moves every service's clock at once with AdvanceDevClock).
 */
export async function setCycleDay(deps: Deps, userId: string, day: number): Promise<{ day: number; cycleStartDate: string }> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const state = await lockUserState(trx, userId);
    if (!state) throw unknownUser();
    const cycleStartDate = startDateFor(now, state.timezone, day);
    const next = { ...state, ...freshCycle(), cycle_start_date: cycleStartDate };
    await updateUserState(trx, userId, {
      ...freshCycle(),
      cycle_start_date: cycleStartDate,
      cycle_started_at: cycleStart(cycleStartDate, state.timezone),
      due_at: dueAtOf(next),
      updated_at: now,
    });
    await reconcilePrompt(trx, userId, now, deps.rules);
    return { day, cycleStartDate };
  });
}

export async function advanceClock(clock: DevClock, ms: number): Promise<Date> {
  await clock.advanceTo(clock.offsetMs + ms);
  return clock.now();
}
