import { sql, type Selectable } from 'kysely';
import type { HrvLatestTable, HrvMetricName } from './database.ts';
import type { Db } from './db.ts';

export interface HrvSample {
  userId: string;
  metric: HrvMetricName;
  sampleId: string;
  valueMs: number;
  measuredAt: Date;
}

export type HrvLatest = Selectable<HrvLatestTable>;

/**
 * Stores samples in one statement; a sample with the same id replaces the earlier version. The ids must be
 * distinct within one call (Postgres cannot update a row twice in one statement).
 */
export async function upsertSamples(db: Db, samples: readonly HrvSample[]): Promise<void> {
  if (samples.length === 0) return;
  await db
    .insertInto('hrv_samples')
    .values(samples.map((s) => ({ user_id: s.userId, metric: s.metric, sample_id: s.sampleId, value_ms: s.valueMs, measured_at: s.measuredAt })))
    .onConflict((oc) =>
      oc.columns(['user_id', 'metric', 'sample_id']).doUpdateSet((eb) => ({ value_ms: eb.ref('excluded.value_ms'), measured_at: eb.ref('excluded.measured_at') })),
    )
    .execute();
}

export async function deleteSample(db: Db, userId: string, metric: HrvMetricName, sampleId: string): Promise<void> {
  await db.deleteFrom('hrv_samples').where('user_id', '=', userId).where('metric', '=', metric).where('sample_id', '=', sampleId).execute();
}

export interface LatestWithWindow {
  valueMs: number;
  measuredAt: Date;
  /** Aggregate of the samples in the window before the latest one (the latest excluded). */
  window: { count: number; sum: number; sumOfSquares: number; distinctDays: number };
}

/**
 * The latest sample of one user's metric and the aggregate of the `windowDays` before it: one index lookup
 * and one index range scan. Local days are counted in the user's time zone.
 */
export async function latestWithWindow(
  db: Db,
  userId: string,
  metric: HrvMetricName,
  windowDays: number,
  timeZone: string,
): Promise<LatestWithWindow | undefined> {
  const result = await sql<{
    value_ms: number;
    measured_at: Date;
    count: number;
    sum: number | null;
    sum_sq: number | null;
    days: number;
  }>`
    select l.value_ms, l.measured_at, w.count, w.sum, w.sum_sq, w.days
    from (
      select value_ms, measured_at from hrv_samples
      where user_id = ${userId} and metric = ${metric}
      order by measured_at desc limit 1
    ) l
    cross join lateral (
      select count(*)::int as count, sum(value_ms) as sum, sum(value_ms * value_ms) as sum_sq,
             count(distinct (measured_at at time zone ${timeZone})::date)::int as days
      from hrv_samples
      where user_id = ${userId} and metric = ${metric}
        and measured_at >= l.measured_at - make_interval(days => ${windowDays}) and measured_at < l.measured_at
    ) w`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    valueMs: row.value_ms,
    measuredAt: row.measured_at,
    window: { count: row.count, sum: row.sum ?? 0, sumOfSquares: row.sum_sq ?? 0, distinctDays: row.days },
  };
}

export async function saveLatest(db: Db, latest: Omit<HrvLatest, 'baseline_sample_count'> & { baseline_sample_count: number }): Promise<void> {
  const { user_id: _user, metric: _metric, ...rest } = latest;
  await db
    .insertInto('hrv_latest')
    .values(latest)
    .onConflict((oc) => oc.columns(['user_id', 'metric']).doUpdateSet(rest))
    .execute();
}

export async function deleteLatest(db: Db, userId: string, metric: HrvMetricName): Promise<void> {
  await db.deleteFrom('hrv_latest').where('user_id', '=', userId).where('metric', '=', metric).execute();
}

/** Retention: samples older than any baseline window still needs. */
export async function purgeSamples(db: Db, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('hrv_samples').where('measured_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
