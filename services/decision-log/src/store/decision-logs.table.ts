import type { Timestamptz } from '@omtobe/db';
import type { DecisionValue } from '../domain/records.ts';

/** decision_logs: one row per decision, keyed by the state engine's decision id. */
export interface DecisionLogsTable {
  decision_id: string;
  user_id: string;
  decided_at: Timestamptz;
  decision: DecisionValue;
  cycle_day: number;
}
