import { create } from '@bufbuild/protobuf';
import type { Transaction } from 'kysely';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvents, topics, type OutboxEvent } from '@omtobe/events';
import type { Logger } from '@omtobe/platform';
import { HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource, hrvMetricToProto, type HrvMetricName } from '@omtobe/proto/integrations/v1';
import { isAheadOfClock } from '../../domain/hrv-sample-validation.ts';
import type { Database, Db, HrvSourceName } from '../../store/database.ts';
import { deleteSample, insertNewSamples, upsertSample, type SampleRow } from '../../store/samples.repo.ts';

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
      metric: hrvMetricToProto(row.metric),
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
    message: create(HrvSampleDeletedSchema, { userId, sampleId, metric: hrvMetricToProto(metric) }),
    occurredAt: now,
  };
}

/** The moment of an ingestion, as the service clock has it, and the one clock-skew tolerance. */
export interface IngestClock {
  now: Date;
  clockSkewToleranceMs: number;
  logger: Logger;
}

/**
 * The one gate every source's samples pass (HealthKit, WHOOP, mock): a sample measured later than now +
 * tolerance is never stored or published. HealthKit answers such a sample `in_future` before it gets here;
 * for the others this is where it stops, with a warning (counts only: no values, no ids).
 */
function notAhead<T extends Pick<SampleRow, 'measured_at' | 'user_id' | 'source'>>(rows: readonly T[], at: IngestClock): T[] {
  const kept: T[] = [];
  const ahead: T[] = [];
  for (const row of rows) (isAheadOfClock(row.measured_at, at.now, at.clockSkewToleranceMs) ? ahead : kept).push(row);
  if (ahead.length > 0) {
    const furthestMs = Math.max(...ahead.map((row) => row.measured_at.getTime() - at.now.getTime()));
    at.logger.warn(
      { user_ids: [...new Set(ahead.map((row) => row.user_id))], source: ahead[0]!.source, skipped: ahead.length, furthest_ahead_s: Math.round(furthestMs / 1000) },
      'HRV samples measured beyond the clock-skew tolerance skipped',
    );
  }
  return kept;
}

/**
 * Stores the samples that are not stored yet and publishes them as HrvSampleRecorded, in the caller's
 * transaction and in their order; returns the ids that were new. For sources whose samples never change
 * once taken (HealthKit, the mock).
 */
export async function storeNewSamples(trx: Db, rows: readonly SampleRow[], at: IngestClock): Promise<Set<string>> {
  const kept = notAhead(rows, at);
  const fresh = await insertNewSamples(trx, kept);
  await enqueueEvents(trx, kept.filter((row) => fresh.has(row.sample_id)).map((row) => recorded(row, at.now)));
  return fresh;
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
export async function recordSample(trx: Transaction<Database>, row: SampleRow, at: IngestClock): Promise<HrvEvent | undefined> {
  if (notAhead([row], at).length === 0) return undefined;
  const outcome = await upsertSample(trx, row);
  return outcome === 'unchanged' ? undefined : recorded(row, at.now);
}

/**
 * Deletes a sample its provider deleted. Returns the HrvSampleDeleted to publish when the sample was held:
 * the caller publishes it in the same transaction with enqueueEvents.
 */
export async function withdrawSample(trx: Db, userId: string, source: HrvSourceName, sampleId: string, now: Date): Promise<HrvEvent | undefined> {
  const metric = await deleteSample(trx, userId, source, sampleId);
  return metric ? withdrawn(userId, sampleId, metric, now) : undefined;
}
