import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { hrvMetricToProto } from '@omtobe/proto/integrations/v1';
import {
  BaselineSchema,
  BrakeReason,
  HighStakesEventSchema,
  HrvReadingSchema,
  Phase,
  type Baseline,
  type HighStakesEvent,
  type HrvReading,
} from '@omtobe/proto/state-engine/v1';
import type { BrakeReason as DomainBrakeReason, HighStakesEvent as DomainEvent, Phase as DomainPhase, Reading } from '../domain/index.ts';

export const phaseToProto: Record<DomainPhase, Phase> = {
  total_silence: Phase.TOTAL_SILENCE,
  intervention_logic: Phase.INTERVENTION_LOGIC,
  preparation: Phase.PREPARATION,
  reflection: Phase.REFLECTION,
};

export const reasonToProto: Record<DomainBrakeReason, BrakeReason> = {
  silence_phase: BrakeReason.SILENCE_PHASE,
  no_baseline: BrakeReason.NO_BASELINE,
  stale_hrv: BrakeReason.STALE_HRV,
  hrv_normal: BrakeReason.HRV_NORMAL,
  no_high_stakes_event: BrakeReason.NO_HIGH_STAKES_EVENT,
  cooling: BrakeReason.COOLING,
  locked_for_event: BrakeReason.LOCKED_FOR_EVENT,
  preparation_phase: BrakeReason.PREPARATION_PHASE,
  reflection_phase: BrakeReason.REFLECTION_PHASE,
};

export function eventToProto(e: DomainEvent): HighStakesEvent {
  return create(HighStakesEventSchema, {
    eventId: e.id,
    title: e.title,
    startsAt: timestampFromDate(e.startsAt),
    endsAt: timestampFromDate(e.endsAt),
  });
}

export function readingToProto(r: Reading): { hrvCurrent: HrvReading; hrvBaseline?: Baseline } {
  const metric = hrvMetricToProto(r.metric);
  return {
    hrvCurrent: create(HrvReadingSchema, { valueMs: r.valueMs, metric, measuredAt: timestampFromDate(r.measuredAt) }),
    ...(r.baseline
      ? {
          hrvBaseline: create(BaselineSchema, {
            metric,
            meanMs: r.baseline.meanMs,
            stdDevMs: r.baseline.stdDevMs,
            sampleCount: r.baseline.sampleCount,
          }),
        }
      : {}),
  };
}
