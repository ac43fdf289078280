import type { Generated } from 'kysely';
import type { DevClockTables, Queryable } from '@omtobe/db';
import type { ErasureTables, InboxTables, OutboxTables } from '@omtobe/events';
import type { HrvMetricName } from '@omtobe/proto/integrations/v1';

/** The state engine's schema. */
export const schema = 'state_engine';

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
  /** The next instant the user's time-driven work is due: the next cycle's start, or earlier the next instant the prompt may change. */
  due_at: Date;
  updated_at: Date;
  /** The prompt last published on prompts.v1 (domain/prompts.ts): 'none', 'brake' or 'reflection'. */
  prompt_kind: Generated<PromptKindName>;
  /** The brake's event (id and times, kept for the withdrawal after the event row is gone). */
  prompt_event_id: Generated<string | null>;
  prompt_event_starts_at: Generated<Date | null>;
  prompt_event_ends_at: Generated<Date | null>;
  /** When the prompt lapses by itself (the event's end, Day 7's end). */
  prompt_expires_at: Generated<Date | null>;
  prompt_day: Generated<number | null>;
  /** The user's transition count when the prompt took effect. */
  prompt_sequence: Generated<number>;
  /** How many transitions were published for the user (reading requests included). */
  transition_count: Generated<number>;
  /** Events a fresh reading was requested for in this cycle (once per event). */
  reading_requested_event_ids: Generated<string[]>;
}

export type PromptKindName = 'none' | 'brake' | 'reflection';

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

/** Repositories take the pool or a transaction alike; locking reads take a `Transaction<Database>`. */
export type Db = Queryable<Database>;
