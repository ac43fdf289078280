import type { HrvSettings } from './settings.ts';

/** One uploaded HealthKit sample, as it arrived (times may be missing). */
export interface UploadedSample {
  uuid: string;
  start?: Date;
  end?: Date;
  value: number;
  unit: string;
}

/** Machine-readable reasons a sample is rejected; the client may log them, never retry them unchanged. */
export type RejectReason =
  | 'invalid_uuid'
  | 'unsupported_unit'
  | 'value_out_of_range'
  | 'missing_time'
  | 'end_before_start'
  | 'in_future'
  | 'too_old';

export type SampleCheck = { ok: true; sampleId: string; valueMs: number; measuredAt: Date } | { ok: false; reason: RejectReason };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks one sample against what an Apple Watch SDNN reading can be. The id is the UUID in upper case
 * (NSUUID's own spelling), so the same sample uploaded in another case is still one sample. A sample is
 * measured at the end of its window.
 */
export function checkSample(sample: UploadedSample, now: Date, rules: HrvSettings): SampleCheck {
  if (sample.uuid.length !== 36 || !UUID.test(sample.uuid)) return { ok: false, reason: 'invalid_uuid' };
  if (sample.unit !== 'ms') return { ok: false, reason: 'unsupported_unit' };
  if (!Number.isFinite(sample.value) || sample.value < rules.minMs || sample.value > rules.maxMs) {
    return { ok: false, reason: 'value_out_of_range' };
  }
  if (!sample.start || !sample.end || Number.isNaN(sample.start.getTime()) || Number.isNaN(sample.end.getTime())) {
    return { ok: false, reason: 'missing_time' };
  }
  if (sample.end < sample.start) return { ok: false, reason: 'end_before_start' };
  if (isAheadOfClock(sample.end, now, rules.clockSkewToleranceMs)) return { ok: false, reason: 'in_future' };
  if (sample.end.getTime() < now.getTime() - rules.retentionMs) return { ok: false, reason: 'too_old' };
  return { ok: true, sampleId: sample.uuid.toUpperCase(), valueMs: sample.value, measuredAt: sample.end };
}

/** Is a value from a provider (WHOOP RMSSD, mock) plausible enough to publish? */
export function isPlausibleHrv(valueMs: number, rules: Pick<HrvSettings, 'minMs' | 'maxMs'>): boolean {
  return Number.isFinite(valueMs) && valueMs >= rules.minMs && valueMs <= rules.maxMs;
}

/**
 * Is a measurement later than now + the clock-skew tolerance? Such a sample is never stored, whatever its
 * source: the state engine would not count it as a reading yet, and while it waited it would hide every
 * genuine one (the latest would always be the one from the future).
 */
export function isAheadOfClock(measuredAt: Date, now: Date, toleranceMs: number): boolean {
  return measuredAt.getTime() > now.getTime() + toleranceMs;
}
