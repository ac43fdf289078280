/**
 * The brake decision: show the one question now, or say why not.
 *
 * It shows only when all hold (ARCHITECTURE.md, "The rules"): Day 3–5; a high-stakes event is running
 * (startsAt ≤ now < endsAt) that the user has not chosen Proceed for; no cooling period is running; the
 * latest HRV sample is fresh; and its value ≤ dropRatio × baseline mean.
 *
 * When several conditions fail, the reason is the first failing one in this order:
 *   1. phase (silence_phase / preparation_phase / reflection_phase) — the cycle's plan outranks
 *      everything; on those days nothing else is even worth reporting.
 *   2. cooling — the user's own Delay; cheap to check and independent of any data.
 *   3. no_high_stakes_event, then 4. locked_for_event — the context comes before the body: without an
 *      event (or with every running one already decided) the HRV is irrelevant, and reporting
 *      "stale_hrv" then would send people to fix a sensor for nothing.
 *   5. stale_hrv, 6. no_baseline, 7. hrv_normal — the data checks, in the order they depend on each
 *      other: a reading must exist and be current before it is compared, and a comparison needs a norm.
 */
import type { Baseline, HrvMetric } from './baseline.ts';
import { phaseOf } from './cycle.ts';
import type { Rules } from './rules.ts';

export type BrakeReason =
  | 'silence_phase'
  | 'no_baseline'
  | 'stale_hrv'
  | 'hrv_normal'
  | 'no_high_stakes_event'
  | 'cooling'
  | 'locked_for_event'
  | 'preparation_phase'
  | 'reflection_phase';

export interface HrvSample {
  readonly valueMs: number;
  readonly metric: HrvMetric;
  readonly measuredAt: Date;
}

export interface HighStakesEvent {
  readonly id: string;
  readonly title: string;
  readonly startsAt: Date;
  /** Exclusive. */
  readonly endsAt: Date;
}

export interface BrakeInput {
  readonly now: Date;
  readonly day: number;
  readonly latestSample?: HrvSample;
  /** The baseline of the latest sample's metric; `metric`, when given, is checked against the sample's. */
  readonly baseline?: Baseline & { readonly metric?: HrvMetric };
  readonly activeEvents: ReadonlyArray<HighStakesEvent>;
  readonly coolingUntil?: Date;
  readonly lockedEventIds: ReadonlySet<string>;
}

export type BrakeDecision = { readonly show: true; readonly event: HighStakesEvent } | { readonly show: false; readonly reason: BrakeReason };

/**
 * HRV values are stored in ms with a few decimals; comparing value ≤ ratio × mean in binary floating
 * point can miss an exact boundary (40.08 vs 0.8 × 50.1) by 1e-14. A nanosecond of slack restores
 * "exactly 20% below shows" without changing any real decision.
 */
const THRESHOLD_SLACK_MS = 1e-9;

const MINUTE_MS = 60_000;

export function isActiveAt(event: HighStakesEvent, now: Date): boolean {
  return event.startsAt.getTime() <= now.getTime() && now.getTime() < event.endsAt.getTime();
}

/** Cooling runs until (not through) coolingUntil: at that exact instant the brake may show again. */
export function isCooling(coolingUntil: Date | undefined, now: Date): boolean {
  return coolingUntil !== undefined && now.getTime() < coolingUntil.getTime();
}

/**
 * Fresh: at most `hrvFreshnessMinutes` old, and stamped no further ahead than the clock-skew tolerance
 * (phone and server clocks disagree by seconds; a sample from minutes ahead is no evidence of now).
 */
export function isFresh(sample: HrvSample, now: Date, rules: Pick<Rules, 'hrvFreshnessMinutes' | 'clockSkewToleranceSeconds'>): boolean {
  const age = now.getTime() - sample.measuredAt.getTime();
  return age <= rules.hrvFreshnessMinutes * MINUTE_MS && age >= -rules.clockSkewToleranceSeconds * 1000;
}

/** The value at or below which a reading counts as a drop. */
export function dropThresholdMs(baseline: Baseline, rules: Pick<Rules, 'dropRatio'>): number {
  return rules.dropRatio * baseline.meanMs;
}

function usableBaseline(input: BrakeInput, sample: HrvSample): Baseline | undefined {
  const b = input.baseline;
  if (b === undefined || b.sampleCount < 1 || !Number.isFinite(b.meanMs) || b.meanMs <= 0) return undefined;
  if (b.metric !== undefined && b.metric !== sample.metric) return undefined;
  return b;
}

function phaseReason(day: number): BrakeReason | undefined {
  switch (phaseOf(day)) {
    case 'total_silence':
      return 'silence_phase';
    case 'preparation':
      return 'preparation_phase';
    case 'reflection':
      return 'reflection_phase';
    case 'intervention_logic':
      return undefined;
  }
}

/** Earliest start, then smallest id: the same inputs always brake for the same event. */
function pickEvent(events: readonly HighStakesEvent[]): HighStakesEvent | undefined {
  return events.toSorted((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

export function evaluateBrake(input: BrakeInput, rules: Rules): BrakeDecision {
  const { now } = input;
  const no = (reason: BrakeReason): BrakeDecision => ({ show: false, reason });

  const phase = phaseReason(input.day);
  if (phase !== undefined) return no(phase);
  if (isCooling(input.coolingUntil, now)) return no('cooling');

  const running = input.activeEvents.filter((e) => isActiveAt(e, now));
  if (running.length === 0) return no('no_high_stakes_event');
  const event = pickEvent(running.filter((e) => !input.lockedEventIds.has(e.id)));
  if (event === undefined) return no('locked_for_event');

  const sample = input.latestSample;
  if (sample === undefined || !isFresh(sample, now, rules)) return no('stale_hrv');
  const baseline = usableBaseline(input, sample);
  if (baseline === undefined) return no('no_baseline');
  if (sample.valueMs > dropThresholdMs(baseline, rules) + THRESHOLD_SLACK_MS) return no('hrv_normal');

  return { show: true, event };
}
