import type { Generated } from 'kysely';
import type { DevClockTables } from '@omtobe/db';
import type { ErasureTables, InboxTables, OutboxTables } from '@omtobe/events';

/** The state engine's schema. */
export const schema = 'state_engine';

export type HrvMetricName = 'sdnn' | 'rmssd';

export interface UserStatesTable {
  user_id: string;
  timezone: string;
  /**
   * The registration this state belongs to (UserRegistered.registered_at), stamped on the events published for
   * it; null when unknown (states from before it was kept, or created by a zone change).
   */
  registered_at: Date | null;
  /** 'YYYY-MM-DD' (pg `date` comes back as its text). */
  cycle_start_date: string;
  /** The instant the cycle started (its first local instant in the zone of that moment), for history. */
  cycle_started_at: Date;
  reflection_answered_at: Date | null;
  next_cycle_start_date: string | null;
  pending_event_id: string | null;
  /** The cycle day the pending brake was shown on: a decision answers it only on that day. */
  pending_day: number | null;
  cooling_until: Date | null;
  locked_event_ids: Generated<string[]>;
  due_at: Date;
  updated_at: Date;
}

export interface HrvSamplesTable {
  user_id: string;
  metric: HrvMetricName;
  sample_id: string;
  value_ms: number;
  measured_at: Date;
}

export interface HrvLatestTable {
  user_id: string;
  metric: HrvMetricName;
  value_ms: number;
  measured_at: Date;
  baseline_mean_ms: number | null;
  baseline_std_dev_ms: number | null;
  baseline_sample_count: Generated<number>;
}

export interface HighStakesEventsTable {
  user_id: string;
  event_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  response: Uint8Array;
  created_at: Date;
}

export interface Database extends OutboxTables, InboxTables, ErasureTables, DevClockTables {
  user_states: UserStatesTable;
  hrv_samples: HrvSamplesTable;
  hrv_latest: HrvLatestTable;
  high_stakes_events: HighStakesEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}
