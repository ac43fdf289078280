import { sql, type Selectable, type Transaction } from 'kysely';
import type { HrvMetricName } from '@omtobe/proto/integrations/v1';
import type { Reading } from '../domain/index.ts';
import type { Database, Db, HrvLatestTable } from './database.ts';

export interface HrvSample {
  userId: string;
  metric: HrvMetricName;
  sampleId: string;
  valueMs: number;
  measuredAt: Date;
}

export type HrvLatest = Selectable<HrvLatestTable>;

/** A stored latest reading as the domain judges it (the baseline only when one could be computed). */
export function readingOf(row: HrvLatest): Reading {
  const baseline =
    row.baseline_mean_ms !== null && row.baseline_std_dev_ms !== null
      ? { meanMs: row.baseline_mean_ms, stdDevMs: row.baseline_std_dev_ms, sampleCount: row.baseline_sample_count }
      : undefined;
  return { valueMs: row.value_ms, metric: row.metric, measuredAt: row.measured_at, ...(baseline ? { baseline } : {}) };
}

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
 * The latest sample of one user's metric measured at or before `notAfter` (equal times: the larger sample id,
 * so the answer never depends on storage order) and the aggregate of the `windowDays` before it: one index
 * lookup and one index range scan. Local days are counted in the user's time zone.
 */
export async function latestWithWindow(
  db: Db,
  userId: string,
  metric: HrvMetricName,
  windowDays: number,
  timeZone: string,
  notAfter: Date,
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
      where user_id = ${userId} and metric = ${metric} and measured_at <= ${notAfter}
      order by measured_at desc, sample_id desc limit 1
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

/** A latest reading whose baseline may have counted a purged sample: it must be computed again. */
export interface AffectedLatest {
  userId: string;
  metric: HrvMetricName;
  /** The user's zone, or UTC before registration (as when the sample arrived). */
  timeZone: string;
}

/**
 * Retention: deletes the samples measured before `olderThan`, in one statement, and says which latest readings
 * were derived from any of them — those whose baseline window (`windowDays` before the reading) reaches back
 * to the newest sample deleted for that user and metric.
 */
export async function purgeSamples(db: Db, olderThan: Date, windowDays: number): Promise<{ deleted: number; affected: AffectedLatest[] }> {
  const result = await sql<{ user_id: string; metric: HrvMetricName; deleted: number; affected: boolean; timezone: string | null }>`
    with purged as (
      delete from hrv_samples where measured_at < ${olderThan} returning user_id, metric, measured_at
    ), by_metric as (
      select user_id, metric, count(*)::int as deleted, max(measured_at) as newest from purged group by user_id, metric
    )
    select b.user_id, b.metric, b.deleted, s.timezone,
           (l.user_id is not null and l.measured_at - make_interval(days => ${windowDays}) <= b.newest) as affected
    from by_metric b
    left join hrv_latest l on l.user_id = b.user_id and l.metric = b.metric
    left join user_states s on s.user_id = b.user_id`.execute(db);
  return {
    deleted: result.rows.reduce((n, r) => n + r.deleted, 0),
    affected: result.rows.filter((r) => r.affected).map((r) => ({ userId: r.user_id, metric: r.metric, timeZone: r.timezone ?? 'UTC' })),
  };
}

/** Retention: latest readings whose sample is past retention (also those left from before it was purged). */
export async function purgeLatest(db: Db, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('hrv_latest').where('measured_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Locks a latest reading for the rest of the transaction, so a purge and a new sample recompute it one after the other. */
export async function lockLatest(trx: Transaction<Database>, userId: string, metric: HrvMetricName): Promise<void> {
  await trx.selectFrom('hrv_latest').select('user_id').where('user_id', '=', userId).where('metric', '=', metric).forUpdate().execute();
}
