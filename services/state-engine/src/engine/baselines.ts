import { baselineFrom, type Rules } from '../domain/index.ts';
import type { HrvMetricName } from '../store/database.ts';
import type { Db } from '../store/db.ts';
import { deleteLatest, latestWithWindow, saveLatest } from '../store/hrv.repo.ts';

/**
 * Recomputes the latest reading of one metric and the baseline it is judged against, after a sample of that
 * metric arrived or was withdrawn: a brake check then reads this one row.
 */
export async function refreshLatest(trx: Db, userId: string, metric: HrvMetricName, timeZone: string, rules: Rules): Promise<void> {
  const latest = await latestWithWindow(trx, userId, metric, rules.baselineWindowDays, timeZone);
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
