import { baselineFrom, latestBelievable, type Rules } from '../domain/index.ts';
import type { HrvMetricName } from '@omtobe/proto/integrations/v1';
import type { Db } from '../store/database.ts';
import { deleteLatest, latestWithWindow, saveLatest } from '../store/hrv.repo.ts';

const metrics: readonly HrvMetricName[] = ['sdnn', 'rmssd'];

/**
 * Recomputes the latest reading of one metric and the baseline it is judged against, after a sample of that
 * metric arrived or was withdrawn, the user's zone became known or changed (baseline days are local days), or
 * samples of its window were purged: a brake check then reads this one row. The latest is the latest sample
 * at or before now + the clock-skew tolerance: one stamped further ahead must not hide the fresh ones.
 */
export async function refreshLatest(trx: Db, userId: string, metric: HrvMetricName, timeZone: string, rules: Rules, now: Date): Promise<void> {
  const latest = await latestWithWindow(trx, userId, metric, rules.baselineWindowDays, timeZone, latestBelievable(now, rules));
  if (!latest) {
    await deleteLatest(trx, userId, metric);
    return;
  }
  const baseline = baselineFrom(latest.window, rules);
  await saveLatest(trx, {
    user_id: userId,
    metric,
    value_ms: latest.valueMs,
    measured_at: latest.measuredAt,
    baseline_mean_ms: baseline?.meanMs ?? null,
    baseline_std_dev_ms: baseline?.stdDevMs ?? null,
    baseline_sample_count: baseline?.sampleCount ?? latest.window.count,
  });
}

/** Both metrics, in the user's (new) zone: samples that arrived before it was known had their days counted in UTC. */
export async function refreshAllLatest(trx: Db, userId: string, timeZone: string, rules: Rules, now: Date): Promise<void> {
  for (const metric of metrics) await refreshLatest(trx, userId, metric, timeZone, rules, now);
}
