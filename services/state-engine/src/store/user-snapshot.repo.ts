import { sql } from 'kysely';
import type { HighStakesEvent, Reading } from '../domain/index.ts';
import { eventOf } from './calendar-events.repo.ts';
import type { Db } from './database.ts';
import { readingOf, type HrvLatest } from './hrv.repo.ts';
import type { UserState } from './user-states.repo.ts';

/** What a brake check or a state view reads about one user, as of one moment. */
export interface UserSnapshot {
  state: UserState;
  /** The latest reading of each metric the user has (at most two), believable yet or not. */
  readings: Reading[];
  /** Events that have not ended and start within the asked window, earliest first (then by id). */
  events: HighStakesEvent[];
  /** The event of the pending brake, when there is one and it is still stored. */
  pendingEvent?: HighStakesEvent;
}

export interface EventWindow {
  /** Events ending after this moment. */
  endingAfter: Date;
  /** Events starting before this moment, or at it when `includeStartingAt` is set. */
  startingBefore: Date;
  includeStartingAt: boolean;
}

interface EventJson {
  event_id: string;
  title: string;
  starts_at: string;
  ends_at: string;
}

interface SnapshotRow extends UserState {
  readings: Array<Omit<HrvLatest, 'measured_at' | 'user_id'> & { measured_at: string }>;
  events: EventJson[];
  pending_event: EventJson | null;
}

/**
 * The user's state row, latest readings, the events in the window and the pending brake's event in ONE
 * statement (one round trip on the hot path): every part is a primary-key or index lookup of this user, so
 * the cost does not grow with users or samples. The related rows come back as JSON and are turned into
 * domain values here; JSON timestamps are ISO-8601 text (the session runs in UTC).
 */
export async function readUserSnapshot(db: Db, userId: string, window: EventWindow): Promise<UserSnapshot | undefined> {
  const result = await sql<SnapshotRow>`
    select s.*,
      coalesce((
        select json_agg(json_build_object(
          'metric', l.metric, 'value_ms', l.value_ms, 'measured_at', l.measured_at, 'baseline_mean_ms', l.baseline_mean_ms,
          'baseline_std_dev_ms', l.baseline_std_dev_ms, 'baseline_sample_count', l.baseline_sample_count))
        from hrv_latest l where l.user_id = s.user_id
      ), '[]') as readings,
      coalesce((
        select json_agg(json_build_object('event_id', e.event_id, 'title', e.title, 'starts_at', e.starts_at, 'ends_at', e.ends_at)
                        order by e.starts_at, e.event_id)
        from high_stakes_events e
        where e.user_id = s.user_id and e.ends_at > ${window.endingAfter}
          and (e.starts_at < ${window.startingBefore} or (${window.includeStartingAt}::boolean and e.starts_at = ${window.startingBefore}))
      ), '[]') as events,
      (
        select json_build_object('event_id', p.event_id, 'title', p.title, 'starts_at', p.starts_at, 'ends_at', p.ends_at)
        from high_stakes_events p where p.user_id = s.user_id and p.event_id = s.pending_event_id
      ) as pending_event
    from user_states s
    where s.user_id = ${userId}`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { readings, events, pending_event: pending, ...state } = row;
  return {
    state,
    readings: readings.map((r) => readingOf({ ...r, user_id: userId, measured_at: new Date(r.measured_at) })),
    events: events.map(eventOf),
    ...(pending ? { pendingEvent: eventOf(pending) } : {}),
  };
}
