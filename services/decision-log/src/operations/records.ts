import type { CycleResetReason } from '@omtobe/proto/state-engine/v1';
import type { DecisionRecord, ReflectionRecord } from '../domain/records.ts';
import type { Db } from '../store/database.ts';
import { insertDecision } from '../store/decisions.repo.ts';
import { insertReflection } from '../store/reflections.repo.ts';
import type { Deps } from './deps.ts';

// Each runs in the transaction of the event it came with (`db`); a row is counted only when newly stored, so a
// redelivered or re-enqueued decision is not counted twice.

/** Stores a decision once; true when this call stored it. */
export async function recordDecision(deps: Deps, db: Db, record: DecisionRecord): Promise<boolean> {
  const stored = await insertDecision(db, record);
  if (stored) deps.metrics.decisionRecorded(record.decision);
  return stored;
}

/** Stores a Day 7 answer once; true when this call stored it. */
export async function recordReflection(deps: Deps, db: Db, record: ReflectionRecord): Promise<boolean> {
  const stored = await insertReflection(db, record);
  if (stored) deps.metrics.reflectionRecorded(record.response);
  return stored;
}

/** Nothing to keep: the reflection (if any) arrived as its own event. Counted for operators only. */
export function recordCycleReset(deps: Deps, reason: CycleResetReason): void {
  deps.metrics.cycleReset(reason);
}
