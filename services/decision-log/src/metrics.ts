import { metrics, type Meter } from '@opentelemetry/api';
import { CycleResetReason } from '@omtobe/proto/state-engine/v1';
import type { DecisionValue, ReflectionValue } from './domain/records.ts';

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
  const decisions = meter.createCounter('decision_log.decisions.recorded', {
    description: 'Decisions recorded, by answer (Proceed or Delay)',
    unit: '{decision}',
  });
  const reflections = meter.createCounter('decision_log.reflections.recorded', {
    description: 'Day 7 reflections recorded, by answer (Yes, No or Skip)',
    unit: '{reflection}',
  });
  const resets = meter.createCounter('decision_log.cycle_resets', {
    description: 'Cycles that ended, by reason (reflected or expired)',
    unit: '{cycle}',
  });
  const erasures = meter.createCounter('decision_log.users.erased', {
    description: 'Users whose rows were erased',
    unit: '{user}',
  });
  return {
    decisionRecorded: (decision) => decisions.add(1, { decision }),
    reflectionRecorded: (response) => reflections.add(1, { response }),
    cycleReset: (reason) => resets.add(1, { reason: resetReasons[reason] ?? 'unknown' }),
    userErased: () => erasures.add(1),
  };
}
