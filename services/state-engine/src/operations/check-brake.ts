import { sql } from 'kysely';
import { UnavailableError } from '@omtobe/platform';
import { cycleDayShown, evaluateBrake, latestReading, oneEventPerMeeting, phaseOf, type BrakeDecision, type Phase, type Reading } from '../domain/index.ts';
import type { Deps } from './deps.ts';
import { currentSnapshot } from './snapshot.ts';
import { meetingPreferences } from '../store/user-states.repo.ts';

export interface BrakeCheck {
  decision: BrakeDecision;
  day: number;
  phase: Phase;
  reading?: Reading;
  coolingUntil?: Date;
  /** The user chose Proceed for a running high-stakes event. */
  decisionLocked: boolean;
  evaluatedAt: Date;
}

// A check loses a race only to a decision committed between its read and its write, and a decision needs a
// brake that a check armed: losing three times in a row means something keeps changing the user's state.
const maxAttempts = 3;

/**
 * CheckBrake: one statement of primary-key and index lookups whatever the number of samples and users (the
 * baseline was computed when the latest sample arrived). A brake that shows becomes the pending brake (with the
 * day it was shown), which a decision then answers.
 *
 * The write is conditional (no cooling running, the event not locked), and a brake is shown only when it
 * succeeded: a Delay or Proceed committed after the read wins, and the check reads again, instead of showing a
 * question whose answer would be refused. It is written on every showing check, not only the first, because
 * that row count is what proves the brake still pending when the answer goes out.
 */
export async function checkBrake(deps: Deps, userId: string): Promise<BrakeCheck> {
  const now = deps.clock.now();
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const check = await evaluate(deps, userId, now);
    if (!check.decision.show || (await armBrake(deps, userId, check.decision.event.id, check.day, now))) return check;
  }
  throw new UnavailableError('the brake state kept changing while it was checked; try again', { reason: 'brake_state_contended' });
}

async function evaluate(deps: Deps, userId: string, now: Date): Promise<BrakeCheck> {
  // Running events: started at or before now, not yet ended.
  const { state, readings, events } = await currentSnapshot(deps, userId, now, { endingAfter: now, startingBefore: now, includeStartingAt: true });
  const reading = latestReading(readings, now, deps.rules);
  const day = cycleDayShown(state.cycle_start_date, now, state.timezone);
  const locked = new Set(state.locked_event_ids);
  const cooling = state.cooling_until && state.cooling_until > now ? state.cooling_until : undefined;
  const decision = evaluateBrake(
    {
      now,
      day,
      activeEvents: oneEventPerMeeting(events, meetingPreferences(state)),
      lockedEventIds: locked,
      ...(reading ? { latestSample: { valueMs: reading.valueMs, metric: reading.metric, measuredAt: reading.measuredAt } } : {}),
      ...(reading?.baseline ? { baseline: reading.baseline } : {}),
      ...(cooling ? { coolingUntil: cooling } : {}),
    },
    deps.rules,
  );
  return {
    decision,
    day,
    phase: phaseOf(day),
    ...(reading ? { reading } : {}),
    ...(cooling ? { coolingUntil: cooling } : {}),
    decisionLocked: events.some((e) => locked.has(e.id)),
    evaluatedAt: now,
  };
}

/** Makes the brake the pending one unless a decision got there first; true when it did. */
async function armBrake(deps: Deps, userId: string, eventId: string, day: number, now: Date): Promise<boolean> {
  const result = await deps.db
    .updateTable('user_states')
    .set({ pending_event_id: eventId, pending_day: day, updated_at: now })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('cooling_until', 'is', null), eb('cooling_until', '<=', now)]))
    .where(sql<boolean>`not (${eventId} = any(locked_event_ids))`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
