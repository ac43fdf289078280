import type { Timestamptz } from '@omtobe/db';
import type { ReflectionValue } from '../domain/records.ts';

/** reflection_logs: one row per Day 7 answer, keyed by the state engine's reflection id. */
export interface ReflectionLogsTable {
  reflection_id: string;
  user_id: string;
  answered_at: Timestamptz;
  response: ReflectionValue;
  cycle_start: Timestamptz;
}
