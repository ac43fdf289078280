import type { Selectable, Transaction } from 'kysely';
import type { HrvMetricName } from '@omtobe/proto/integrations/v1';
import type { Database, Db, HrvSamplesTable, HrvSourceName } from './database.ts';

export type SampleRow = Selectable<HrvSamplesTable>;

/** Inserts the samples that are not stored yet; returns the ids that were new (the rest were duplicates). */
export async function insertNewSamples(db: Db, rows: SampleRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('hrv_samples')
    .values(rows)
    .onConflict((oc) => oc.columns(['user_id', 'source', 'sample_id']).doNothing())
    .returning('sample_id')
    .execute();
  return new Set(inserted.map((r) => r.sample_id));
}

/** Stores a sample a provider may correct later: new, changed (value or time) or unchanged. */
export async function upsertSample(trx: Transaction<Database>, row: SampleRow): Promise<'inserted' | 'changed' | 'unchanged'> {
  const existing = await trx
    .selectFrom('hrv_samples')
    .select(['value_ms', 'measured_at', 'metric'])
    .where('user_id', '=', row.user_id)
    .where('source', '=', row.source)
    .where('sample_id', '=', row.sample_id)
    .forUpdate()
    .executeTakeFirst();
  if (!existing) {
    await trx.insertInto('hrv_samples').values(row).execute();
    return 'inserted';
  }
  if (existing.value_ms === row.value_ms && existing.measured_at.getTime() === row.measured_at.getTime() && existing.metric === row.metric) {
    return 'unchanged';
  }
  await trx
    .updateTable('hrv_samples')
    .set({ value_ms: row.value_ms, measured_at: row.measured_at, metric: row.metric, received_at: row.received_at })
    .where('user_id', '=', row.user_id)
    .where('source', '=', row.source)
    .where('sample_id', '=', row.sample_id)
    .execute();
  return 'changed';
}

/** Deletes one sample; returns its metric when it existed. */
export async function deleteSample(db: Db, userId: string, source: HrvSourceName, sampleId: string): Promise<HrvMetricName | undefined> {
  const row = await db
    .deleteFrom('hrv_samples')
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('sample_id', '=', sampleId)
    .returning('metric')
    .executeTakeFirst();
  return row?.metric;
}

/** Deletes every sample of a user from one source; returns what was deleted (to publish withdrawals). */
export function deleteSamplesFrom(db: Db, userId: string, source: HrvSourceName): Promise<Array<{ sample_id: string; metric: HrvMetricName }>> {
  return db.deleteFrom('hrv_samples').where('user_id', '=', userId).where('source', '=', source).returning(['sample_id', 'metric']).execute();
}

/** Values of one metric measured since `since` (any source): the user's recent norm. */
export async function recentValues(db: Db, userId: string, metric: HrvMetricName, since: Date): Promise<number[]> {
  const rows = await db
    .selectFrom('hrv_samples')
    .select('value_ms')
    .where('user_id', '=', userId)
    .where('measured_at', '>=', since)
    .where('metric', '=', metric)
    .execute();
  return rows.map((r) => r.value_ms);
}

export function samplesOf(db: Db, userId: string): Promise<SampleRow[]> {
  return db.selectFrom('hrv_samples').selectAll().where('user_id', '=', userId).orderBy('measured_at').orderBy('sample_id').execute();
}

/** Retention: samples older than any baseline window needs. */
export async function purgeSamples(db: Db, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('hrv_samples').where('measured_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
