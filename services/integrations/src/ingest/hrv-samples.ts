import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import { HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import type { HrvMetricName, HrvSourceName } from '../store/database.ts';
import type { Db } from '../store/db.ts';
import { deleteSample, upsertSample, type SampleRow } from '../store/samples.repo.ts';

export const metricToProto: Record<HrvMetricName, HrvMetric> = { sdnn: HrvMetric.SDNN, rmssd: HrvMetric.RMSSD };
export const sourceToProto: Record<HrvSourceName, HrvSource> = { healthkit: HrvSource.HEALTHKIT, whoop: HrvSource.WHOOP, mock: HrvSource.MOCK };

/** Publishes a stored sample as HrvSampleRecorded, in the caller's transaction (the outbox). */
export async function publishSample(trx: Db, row: SampleRow, now: Date): Promise<void> {
  await enqueueEvent(trx, {
    topic: topics.hrv,
    key: row.user_id,
    schema: HrvSampleRecordedSchema,
    message: create(HrvSampleRecordedSchema, {
      userId: row.user_id,
      sampleId: row.sample_id,
      metric: metricToProto[row.metric],
      source: sourceToProto[row.source],
      valueMs: row.value_ms,
      measuredAt: timestampFromDate(row.measured_at),
    }),
    occurredAt: now,
  });
}

export async function publishWithdrawal(trx: Db, userId: string, sampleId: string, metric: HrvMetricName, now: Date): Promise<void> {
  await enqueueEvent(trx, {
    topic: topics.hrv,
    key: userId,
    schema: HrvSampleDeletedSchema,
    message: create(HrvSampleDeletedSchema, { userId, sampleId, metric: metricToProto[metric] }),
    occurredAt: now,
  });
}

/** Stores a sample that its provider may correct, publishing it only when it is new or changed. */
export async function recordSample(trx: Db, row: SampleRow, now: Date): Promise<boolean> {
  const outcome = await upsertSample(trx, row);
  if (outcome === 'unchanged') return false;
  await publishSample(trx, row, now);
  return true;
}

/** Withdraws a sample its provider deleted; publishes the withdrawal only when the sample was held. */
export async function withdrawSample(trx: Db, userId: string, source: HrvSourceName, sampleId: string, now: Date): Promise<boolean> {
  const metric = await deleteSample(trx, userId, source, sampleId);
  if (!metric) return false;
  await publishWithdrawal(trx, userId, sampleId, metric, now);
  return true;
}
