/**
 * Which HRV reading the brake judges. The store keeps, per metric, the latest sample stamped at or before
 * now + the clock-skew tolerance when it was computed (equal times: the larger sample id), with that metric's
 * baseline. Of those readings the most recent is the user's current one; it is judged only against its own
 * metric's baseline (SDNN and RMSSD are never mixed).
 *
 * "At or before now + tolerance" again here, because one reading stamped minutes ahead (a device with a
 * wrong clock) must not hide every fresh reading until our clock catches up. Equal times across metrics go
 * to SDNN (HealthKit, the seed's metric) — any fixed order would do; what matters is that two checks of the
 * same data never answer differently.
 */
import type { Baseline, HrvMetric } from './baseline.ts';
import type { Rules } from './rules.ts';

export interface Reading {
  readonly valueMs: number;
  readonly metric: HrvMetric;
  readonly measuredAt: Date;
  readonly baseline?: Baseline;
}

const metricOrder: Record<HrvMetric, number> = { sdnn: 0, rmssd: 1 };

/** The instant after which a sample's time is not believed yet. */
export function latestBelievable(now: Date, rules: Pick<Rules, 'clockSkewToleranceSeconds'>): Date {
  return new Date(now.getTime() + rules.clockSkewToleranceSeconds * 1000);
}

export function latestReading(readings: readonly Reading[], now: Date, rules: Pick<Rules, 'clockSkewToleranceSeconds'>): Reading | undefined {
  const limit = latestBelievable(now, rules).getTime();
  return readings
    .filter((r) => r.measuredAt.getTime() <= limit)
    .toSorted((a, b) => b.measuredAt.getTime() - a.measuredAt.getTime() || metricOrder[a.metric] - metricOrder[b.metric])[0];
}
