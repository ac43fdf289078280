import { NotFoundError } from '@omtobe/platform';
import { latestReading, type MeetingPreferences, type Reading, type Rules, type ShownBrake } from '../domain/index.ts';
import type { HrvLatest } from '../store/hrv.repo.ts';
import { readUserSnapshot, type EventWindow, type UserSnapshot } from '../store/user-snapshot.repo.ts';
import { lockUserState, type UserState } from '../store/user-states.repo.ts';
import type { Engine } from './engine.ts';
import { reconcilePrompt } from './prompts.ts';
import { rollOverIfDue } from './rollover.ts';

/**
 * What the user's checks and views read, as of `now`, in one statement. When the user's time-driven work is due
 * (a cycle rollover, or an instant at which the prompt may change) it is done first, in its own transaction, and
 * the snapshot read again: a check or a view never answers other than the last published prompt, even in the
 * moment between an instant and the due-work loop's next pass.
 */
export async function currentSnapshot(engine: Engine, userId: string, now: Date, window: EventWindow): Promise<UserSnapshot> {
  const snapshot = await readUserSnapshot(engine.db, userId, window);
  if (!snapshot) throw unknownUser();
  if (snapshot.state.due_at.getTime() > now.getTime()) return snapshot;
  await doDueWork(engine, userId, now);
  const after = await readUserSnapshot(engine.db, userId, window);
  if (!after) throw unknownUser();
  return after;
}

async function doDueWork(engine: Engine, userId: string, now: Date): Promise<UserState> {
  return engine.db.transaction().execute(async (trx) => {
    const locked = await lockUserState(trx, userId);
    if (!locked) throw unknownUser();
    await rollOverIfDue(trx, locked, now);
    return (await reconcilePrompt(trx, userId, now, engine.rules)) ?? locked;
  });
}

export function unknownUser(): NotFoundError {
  return new NotFoundError('the user is not registered (yet) with the state engine', { reason: 'unknown_user' });
}

export type { Reading };

/** The reading the brake judges now, from the stored latest reading of each metric (domain/latest-reading.ts). */
export function currentReading(readings: readonly HrvLatest[], now: Date, rules: Pick<Rules, 'clockSkewToleranceSeconds'>): Reading | undefined {
  return latestReading(readings.map(toReading), now, rules);
}

/** Every stored latest reading (one per metric), believable yet or not. */
export function readingsOf(rows: readonly HrvLatest[]): Reading[] {
  return rows.map(toReading);
}

function toReading(row: HrvLatest): Reading {
  const baseline =
    row.baseline_mean_ms !== null && row.baseline_std_dev_ms !== null
      ? { meanMs: row.baseline_mean_ms, stdDevMs: row.baseline_std_dev_ms, sampleCount: row.baseline_sample_count }
      : undefined;
  return { valueMs: row.value_ms, metric: row.metric, measuredAt: row.measured_at, ...(baseline ? { baseline } : {}) };
}

/** The pending brake as it was shown (event and day), from the user's row. */
export function shownBrakeOf(state: Pick<UserState, 'pending_event_id' | 'pending_day'>): Partial<ShownBrake> {
  return { ...(state.pending_event_id ? { eventId: state.pending_event_id } : {}), ...(state.pending_day !== null ? { day: state.pending_day } : {}) };
}

/**
 * Which of a meeting's events represents it (domain/meetings.ts): the locked one, the one whose brake is shown, the
 * pending one, the one a reading was requested for — every reader of the user's events passes the same, so a check,
 * a view and the published prompt name the same event.
 */
export function meetingPreferences(state: Pick<UserState, 'locked_event_ids' | 'prompt_kind' | 'prompt_event_id' | 'pending_event_id' | 'reading_requested_event_ids'>): MeetingPreferences {
  return {
    lockedEventIds: new Set(state.locked_event_ids),
    shownEventId: state.prompt_kind === 'brake' ? (state.prompt_event_id ?? undefined) : undefined,
    pendingEventId: state.pending_event_id ?? undefined,
    readingRequestedEventIds: new Set(state.reading_requested_event_ids),
  };
}
