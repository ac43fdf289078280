import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema } from '@omtobe/proto/integrations/v1';
import type { Clock } from '@omtobe/platform';
import { latestBelievable, type Rules } from '../domain/index.ts';
import { refreshLatest } from '../engine/baselines.ts';
import { reconcilePrompt } from '../engine/prompts.ts';
import type { Database, HrvMetricName } from '../store/database.ts';
import type { Db } from '../store/db.ts';
import { deleteSample, upsertSamples, type HrvSample } from '../store/hrv.repo.ts';
import { findUserState } from '../store/user-states.repo.ts';

function metricName(metric: HrvMetric): HrvMetricName | undefined {
  if (metric === HrvMetric.SDNN) return 'sdnn';
  if (metric === HrvMetric.RMSSD) return 'rmssd';
  return undefined;
}

/** Local days of a baseline are counted in the user's zone; before registration, in UTC. */
async function timeZoneOf(trx: Db, userId: string): Promise<string> {
  return (await findUserState(trx, userId))?.timezone ?? 'UTC';
}

// Samples recorded in a transaction of events, written together in one statement before anything reads or
// deletes samples in it: before a withdrawal, and before a baseline is recomputed. A later version of the same
// sample in the transaction replaces the earlier one, as it would have one statement later.
const pendingSamples = new WeakMap<Db, Map<string, HrvSample>>();

function bufferSample(trx: Db, sample: HrvSample): void {
  let pending = pendingSamples.get(trx);
  if (!pending) pendingSamples.set(trx, (pending = new Map()));
  pending.set(JSON.stringify([sample.userId, sample.metric, sample.sampleId]), sample);
}

async function flushSamples(trx: Db): Promise<void> {
  const pending = pendingSamples.get(trx);
  if (!pending || pending.size === 0) return;
  pendingSamples.delete(trx);
  await upsertSamples(trx, [...pending.values()]);
}

/**
 * hrv.v1: a new sample moves its metric's latest reading and baseline; a withdrawn one moves them back; then the
 * user's prompt is evaluated again in the same transaction (a drop during a running meeting raises the brake). Within
 * a transaction of events the samples are stored in one statement and each baseline is recomputed once per user
 * and metric, after all of its samples are in.
 *
 * A sample stamped further ahead than the clock-skew tolerance (integrations refuses those at ingestion, so
 * this takes another clock gone wrong) is kept, said at warn, and not taken as the latest reading: it would
 * hide every fresh one until our clock caught up.
 */
export function hrvConsumer(rules: Rules, clock: Clock): TopicHandlers<Database> {
  const refresh = (trx: Db, userId: string, metric: HrvMetricName) => async () => {
    await flushSamples(trx);
    const now = clock.now();
    await refreshLatest(trx, userId, metric, await timeZoneOf(trx, userId), rules, now);
    await reconcilePrompt(trx, userId, now, rules);
  };
  return {
    topic: topics.hrv,
    handlers: [
      on(HrvSampleRecordedSchema, async (event, { trx, logger, deferOnce }) => {
        const metric = metricName(event.metric);
        if (!metric || !event.measuredAt || !(event.valueMs > 0)) {
          return logger.error({ user_id: event.userId }, 'HrvSampleRecorded without a metric, time or positive value ignored');
        }
        const measuredAt = timestampDate(event.measuredAt);
        if (measuredAt > latestBelievable(clock.now(), rules)) {
          logger.warn({ user_id: event.userId, metric, ahead_ms: measuredAt.getTime() - clock.now().getTime() }, 'HRV sample from the future: kept, not the latest reading');
        }
        bufferSample(trx, { userId: event.userId, metric, sampleId: event.sampleId, valueMs: event.valueMs, measuredAt });
        deferOnce(`baseline:${event.userId}:${metric}`, refresh(trx, event.userId, metric));
      }),
      on(HrvSampleDeletedSchema, async (event, { trx, deferOnce }) => {
        const metric = metricName(event.metric);
        if (!metric) return;
        await flushSamples(trx);
        await deleteSample(trx, event.userId, metric, event.sampleId);
        deferOnce(`baseline:${event.userId}:${metric}`, refresh(trx, event.userId, metric));
      }),
    ],
  };
}
