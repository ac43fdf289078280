import { InvalidArgumentError } from '@omtobe/platform';
import { requireKnownUser } from '../../operations/connections/known-user.ts';
import { checkSample, type RejectReason, type UploadedSample } from '../../domain/hrv-sample-validation.ts';
import { storeNewSamples } from '../../operations/ingest/hrv-samples.ts';
import type { SampleRow } from '../../store/samples.repo.ts';
import type { Deps } from '../../operations/deps.ts';

export type SampleAnswer =
  | { uuid: string; outcome: 'accepted' | 'duplicate' }
  | { uuid: string; outcome: 'rejected'; reason: RejectReason };

/**
 * Stores a batch of HealthKit SDNN samples and answers for each one, in upload order: accepted (stored
 * and published), duplicate (stored before, or earlier in this batch: the client may move its anchor
 * on), or rejected with a reason. One bad sample never fails the batch; the good ones are stored and
 * published together in one transaction, so either all of them are kept or the client retries.
 */
export async function uploadSamples(deps: Deps, userId: string, samples: UploadedSample[]): Promise<SampleAnswer[]> {
  const rules = deps.settings.hrv;
  if (samples.length > rules.maxBatch) {
    throw new InvalidArgumentError(`at most ${rules.maxBatch} samples per upload`, { reason: 'batch_too_large' });
  }
  const now = deps.clock.now();
  const answers: Array<SampleAnswer | { uuid: string; pending: string }> = [];
  const candidates = new Map<string, SampleRow>();
  for (const sample of samples) {
    const check = checkSample(sample, now, rules);
    if (!check.ok) {
      answers.push({ uuid: sample.uuid, outcome: 'rejected', reason: check.reason });
    } else if (candidates.has(check.sampleId)) {
      answers.push({ uuid: sample.uuid, outcome: 'duplicate' });
    } else {
      candidates.set(check.sampleId, {
        user_id: userId,
        source: 'healthkit',
        sample_id: check.sampleId,
        metric: 'sdnn',
        value_ms: check.valueMs,
        measured_at: check.measuredAt,
        received_at: now,
      });
      answers.push({ uuid: sample.uuid, pending: check.sampleId });
    }
  }

  // The user first (operations/connections/known-user.ts: an erased or not yet registered user stores nothing, even a batch
  // of only rejected samples is refused alike), then three statements whatever the batch size: the samples, their
  // events (in upload order), one NOTIFY.
  const rows = [...candidates.values()];
  const inserted = await deps.db.transaction().execute(async (trx) => {
    await requireKnownUser(trx, userId);
    return rows.length === 0 ? new Set<string>() : storeNewSamples(trx, rows, { now, clockSkewToleranceMs: rules.clockSkewToleranceMs, logger: deps.logger });
  });

  return answers.map((a) => ('pending' in a ? { uuid: a.uuid, outcome: inserted.has(a.pending) ? 'accepted' : 'duplicate' } : a));
}
