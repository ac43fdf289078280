import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvents, topics, type OutboxEvent } from '@omtobe/events';
import { HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import type { HrvMetricName, HrvSourceName } from '../store/database.ts';
import type { Db } from '../store/db.ts';
import { deleteSample, upsertSample, type SampleRow } from '../store/samples.repo.ts';

export const metricToProto: Record<HrvMetricName, HrvMetric> = { sdnn: HrvMetric.SDNN, rmssd: HrvMetric.RMSSD };
export const sourceToProto: Record<HrvSourceName, HrvSource> = { healthkit: HrvSource.HEALTHKIT, whoop: HrvSource.WHOOP, mock: HrvSource.MOCK };

/** An hrv.v1 event waiting to be enqueued with the others of its transaction. */
export type HrvEvent = OutboxEvent<typeof HrvSampleRecordedSchema> | OutboxEvent<typeof HrvSampleDeletedSchema>;

function recorded(row: SampleRow, now: Date): HrvEvent {
  return {
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
  };
}

function withdrawn(userId: string, sampleId: string, metric: HrvMetricName, now: Date): HrvEvent {
  return {
    topic: topics.hrv,
    key: userId,
    schema: HrvSampleDeletedSchema,
    message: create(HrvSampleDeletedSchema, { userId, sampleId, metric: metricToProto[metric] }),
    occurredAt: now,
  };
}

/** Publishes stored samples as HrvSampleRecorded, in the caller's transaction (the outbox), in their order. */
export async function publishSamples(trx: Db, rows: readonly SampleRow[], now: Date): Promise<void> {
  await enqueueEvents(trx, rows.map((row) => recorded(row, now)));
}

/** Publishes HrvSampleDeleted for samples of one user, in the caller's transaction, in their order. */
export async function publishWithdrawals(trx: Db, userId: string, samples: ReadonlyArray<{ sample_id: string; metric: HrvMetricName }>, now: Date): Promise<void> {
  await enqueueEvents(trx, samples.map((s) => withdrawn(userId, s.sample_id, s.metric, now)));
}

/**
 * Stores a sample that its provider may correct. Returns the HrvSampleRecorded to publish when it is new or
 * changed (nothing when unchanged): the caller publishes it in the same transaction with enqueueEvents,
 * together with the other events of that transaction.
 */
export async function recordSample(trx: Db, row: SampleRow, now: Date): Promise<HrvEvent | undefined> {
  const outcome = await upsertSample(trx, row);
  return outcome === 'unchanged' ? undefined : recorded(row, now);
}

/**
 * Deletes a sample its provider deleted. Returns the HrvSampleDeleted to publish when the sample was held:
 * the caller publishes it in the same transaction with enqueueEvents.
 */
export async function withdrawSample(trx: Db, userId: string, source: HrvSourceName, sampleId: string, now: Date): Promise<HrvEvent | undefined> {
  const metric = await deleteSample(trx, userId, source, sampleId);
  return metric ? withdrawn(userId, sampleId, metric, now) : undefined;
}
