/**
 * The user's own HRV norm: mean and population standard deviation of one metric's samples in the
 * `baselineWindowDays` before the judged sample.
 *
 * Caller's contract — metrics are never mixed: SDNN (HealthKit) and RMSSD (WHOOP) measure different
 * things on different scales, so every function here takes the samples (or the aggregate) of ONE
 * metric, the judged sample's. Nothing here can check it, because a bare sample list has no metric.
 *
 * The window is [judgedAt − baselineWindowDays × 24 h, judgedAt): an absolute span, so the store can
 * answer it with one range scan on (user, metric, measured_at); it excludes the judged sample itself
 * (and anything measured at the same instant), which must not be part of its own norm.
 */
import { localDate } from './calendar-days.ts';
import type { Rules } from './rules.ts';

export type HrvMetric = 'sdnn' | 'rmssd';

export interface Baseline {
  readonly meanMs: number;
  readonly stdDevMs: number;
  readonly sampleCount: number;
}

/**
 * What the store computes in one query over the window (count, sum, sum of squares, and the number of
 * distinct local dates of the samples in the user's zone), so a check never loads a week of samples.
 */
export interface BaselineAggregate {
  readonly count: number;
  readonly sum: number;
  readonly sumOfSquares: number;
  readonly distinctDays: number;
}

export interface TimedValue {
  readonly valueMs: number;
  readonly measuredAt: Date;
}

type BaselineRules = Pick<Rules, 'baselineWindowDays' | 'baselineMinSamples' | 'baselineMinDays'>;

const DAY_MS = 86_400_000;

/** The half-open window [from, to) of samples that make the baseline for a sample measured at judgedAt. */
export function baselineWindow(judgedAt: Date, rules: Pick<Rules, 'baselineWindowDays'>): { from: Date; to: Date } {
  return { from: new Date(judgedAt.getTime() - rules.baselineWindowDays * DAY_MS), to: new Date(judgedAt.getTime()) };
}

/** The baseline of an aggregate, or undefined while there is too little data to call anything normal. */
export function baselineFrom(aggregate: BaselineAggregate, rules: BaselineRules): Baseline | undefined {
  const { count, sum, sumOfSquares, distinctDays } = aggregate;
  if (count < Math.max(1, rules.baselineMinSamples) || distinctDays < rules.baselineMinDays) return undefined;
  const meanMs = sum / count;
  // E[x²] − mean² can dip a hair below zero through rounding when all values are equal.
  const variance = Math.max(0, sumOfSquares / count - meanMs * meanMs);
  return { meanMs, stdDevMs: Math.sqrt(variance), sampleCount: count };
}

function inWindow(samples: readonly TimedValue[], judgedAt: Date, rules: Pick<Rules, 'baselineWindowDays'>): TimedValue[] {
  const { from, to } = baselineWindow(judgedAt, rules);
  return samples.filter((s) => s.measuredAt.getTime() >= from.getTime() && s.measuredAt.getTime() < to.getTime());
}

/** The aggregate the store is expected to produce for this window (one metric's samples; see above). */
export function aggregateOf(samples: readonly TimedValue[], judgedAt: Date, timeZone: string, rules: BaselineRules): BaselineAggregate {
  const used = inWindow(samples, judgedAt, rules);
  return {
    count: used.length,
    sum: used.reduce((acc, s) => acc + s.valueMs, 0),
    sumOfSquares: used.reduce((acc, s) => acc + s.valueMs * s.valueMs, 0),
    distinctDays: new Set(used.map((s) => localDate(s.measuredAt, timeZone))).size,
  };
}

/**
 * The reference baseline from raw samples (one metric's; see above), computed two-pass (mean first,
 * then squared deviations) so it is independent of, and more exact than, the aggregate path it checks.
 */
export function baselineOfSamples(samples: readonly TimedValue[], judgedAt: Date, timeZone: string, rules: BaselineRules): Baseline | undefined {
  const used = inWindow(samples, judgedAt, rules);
  const days = new Set(used.map((s) => localDate(s.measuredAt, timeZone))).size;
  if (used.length === 0 || used.length < rules.baselineMinSamples || days < rules.baselineMinDays) return undefined;
  const meanMs = used.reduce((acc, s) => acc + s.valueMs, 0) / used.length;
  const variance = used.reduce((acc, s) => acc + (s.valueMs - meanMs) ** 2, 0) / used.length;
  return { meanMs, stdDevMs: Math.sqrt(variance), sampleCount: used.length };
}
