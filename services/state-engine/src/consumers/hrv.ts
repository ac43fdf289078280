import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Transaction } from 'kysely';
import { on, PermanentEventError, topics, type TopicHandlers } from '@omtobe/events';
import { hrvMetricName, HrvSampleDeletedSchema, HrvSampleRecordedSchema, type HrvMetric, type HrvMetricName } from '@omtobe/proto/integrations/v1';
import type { Clock } from '@omtobe/platform';
import { latestBelievable, type Rules } from '../domain/index.ts';
import { refreshLatest } from '../operations/baselines.ts';
import { reconcilePrompt } from '../operations/prompts.ts';
import type { Database, Db } from '../store/database.ts';
import { deleteSample, upsertSamples, type HrvSample } from '../store/hrv.repo.ts';
import { findUserState } from '../store/user-states.repo.ts';

/** A metric this build does not know breaks the contract: no baseline could ever be computed for it. */
function knownMetric(metric: HrvMetric, event: string): HrvMetricName {
  const name = hrvMetricName(metric);
  if (name === undefined) throw new PermanentEventError(`${event} with an unknown HRV metric: ${metric}`);
  return name;
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
  const refresh = (trx: Transaction<Database>, userId: string, metric: HrvMetricName) => async () => {
    await flushSamples(trx);
    const now = clock.now();
    await refreshLatest(trx, userId, metric, await timeZoneOf(trx, userId), rules, now);
    await reconcilePrompt(trx, userId, now, rules);
  };
  return {
    topic: topics.hrv,
    handlers: [
      on(HrvSampleRecordedSchema, async (event, { trx, logger, deferOnce }) => {
        const metric = knownMetric(event.metric, 'HrvSampleRecorded');
        if (!event.measuredAt) throw new PermanentEventError('HrvSampleRecorded without measured_at');
        if (!(event.valueMs > 0)) throw new PermanentEventError(`HrvSampleRecorded with a value that is not positive: ${event.valueMs}`);
        const measuredAt = timestampDate(event.measuredAt);
        if (measuredAt > latestBelievable(clock.now(), rules)) {
          logger.warn({ user_id: event.userId, metric, ahead_ms: measuredAt.getTime() - clock.now().getTime() }, 'HRV sample from the future: kept, not the latest reading');
        }
        bufferSample(trx, { userId: event.userId, metric, sampleId: event.sampleId, valueMs: event.valueMs, measuredAt });
        deferOnce(`baseline:${event.userId}:${metric}`, refresh(trx, event.userId, metric));
      }),
      on(HrvSampleDeletedSchema, async (event, { trx, deferOnce }) => {
        const metric = knownMetric(event.metric, 'HrvSampleDeleted');
        await flushSamples(trx);
        await deleteSample(trx, event.userId, metric, event.sampleId);
        deferOnce(`baseline:${event.userId}:${metric}`, refresh(trx, event.userId, metric));
      }),
    ],
  };
}
