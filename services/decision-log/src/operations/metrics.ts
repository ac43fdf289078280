import { metrics, type Meter } from '@opentelemetry/api';
import { CycleResetReason } from '@omtobe/proto/state-engine/v1';
import type { DecisionValue, ReflectionValue } from '../domain/records.ts';

/** The decision log's key metrics as OpenTelemetry counters (the seed's "decision distribution", reflection answers). */
export interface DecisionLogMetrics {
  decisionRecorded(decision: DecisionValue): void;
  reflectionRecorded(response: ReflectionValue): void;
  cycleReset(reason: CycleResetReason): void;
  userErased(): void;
}

const resetReasons: Readonly<Record<CycleResetReason, string>> = {
  [CycleResetReason.UNSPECIFIED]: 'unspecified',
  [CycleResetReason.REFLECTED]: 'reflected',
  [CycleResetReason.EXPIRED]: 'expired',
};

/**
 * Counters are incremented when a row is newly stored (never for a duplicate). They count from inside
 * the event's transaction, so a commit that fails after the increment over-counts by one; the tables,
 * not the counters, are the record. Attributes are the answer only — never a user id (unbounded
 * cardinality, and personal data). Call after telemetry started: the API has no proxy meter provider.
 */
export function createDecisionLogMetrics(meter: Meter = metrics.getMeter('decision-log')): DecisionLogMetrics {
  const counter = (name: string, description: string, unit: string) => meter.createCounter(name, { description, unit });
  const decisions = counter('decision_log.decisions.recorded', 'Decisions recorded, by answer (Proceed or Delay)', '{decision}');
  const reflections = counter('decision_log.reflections.recorded', 'Day 7 reflections recorded, by answer (Yes, No or Skip)', '{reflection}');
  const resets = counter('decision_log.cycle_resets', 'Cycles that ended, by reason (reflected or expired)', '{cycle}');
  const erasures = counter('decision_log.users.erased', 'Users whose rows were erased', '{user}');
  return {
    decisionRecorded: (decision) => decisions.add(1, { decision }),
    reflectionRecorded: (response) => reflections.add(1, { response }),
    cycleReset: (reason) => resets.add(1, { reason: resetReasons[reason] ?? 'unknown' }),
    userErased: () => erasures.add(1),
  };
}
