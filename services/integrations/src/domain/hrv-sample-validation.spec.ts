import { describe, expect, it } from '@jest/globals';
import { checkSample, isAheadOfClock, type UploadedSample } from './hrv-sample-validation.ts';
import type { HrvSettings } from './settings.ts';

const now = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const rules: HrvSettings = { maxBatch: 500, minMs: 1, maxMs: 300, clockSkewToleranceMs: minute, retentionMs: 8 * 24 * 60 * minute };
const good: UploadedSample = {
  uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  start: new Date(now.getTime() - 2 * minute),
  end: new Date(now.getTime() - minute),
  value: 48.5,
  unit: 'ms',
};

describe('checkSample', () => {
  it('accepts a plausible sample, measured at its end, with the UUID in upper case', () => {
    expect(checkSample(good, now, rules)).toEqual({ ok: true, sampleId: '3F2504E0-4F89-41D3-9A0C-0305E82C3301', valueMs: 48.5, measuredAt: good.end });
  });

  it.each<[string, Partial<UploadedSample>, string]>([
    ['a malformed uuid', { uuid: 'not-a-uuid' }, 'invalid_uuid'],
    ['an empty uuid', { uuid: '' }, 'invalid_uuid'],
    ['seconds instead of ms', { unit: 's' }, 'unsupported_unit'],
    ['no unit', { unit: '' }, 'unsupported_unit'],
    ['zero', { value: 0 }, 'value_out_of_range'],
    ['a negative value', { value: -5 }, 'value_out_of_range'],
    ['an implausibly high value', { value: 300.01 }, 'value_out_of_range'],
    ['NaN', { value: Number.NaN }, 'value_out_of_range'],
    ['no end', { end: undefined }, 'missing_time'],
    ['no start', { start: undefined }, 'missing_time'],
    ['an end before the start', { start: new Date(now.getTime() - minute), end: new Date(now.getTime() - 2 * minute) }, 'end_before_start'],
    ['an end beyond the clock-skew tolerance', { start: now, end: new Date(now.getTime() + minute + 1) }, 'in_future'],
    ['an end five minutes ahead', { start: now, end: new Date(now.getTime() + 5 * minute) }, 'in_future'],
    ['an end older than retention', { start: new Date(now.getTime() - 9 * 1440 * minute), end: new Date(now.getTime() - 8 * 1440 * minute - 1) }, 'too_old'],
  ])('rejects %s', (_, change, reason) => {
    expect(checkSample({ ...good, ...change }, now, rules)).toEqual({ ok: false, reason });
  });

  it('accepts the edges: 1 and 300 ms, an instant sample, the end exactly at the clock-skew tolerance', () => {
    expect(checkSample({ ...good, value: 1 }, now, rules).ok).toBe(true);
    expect(checkSample({ ...good, value: 300 }, now, rules).ok).toBe(true);
    expect(checkSample({ ...good, start: now, end: now }, now, rules).ok).toBe(true);
    expect(checkSample({ ...good, start: now, end: new Date(now.getTime() + minute) }, now, rules).ok).toBe(true);
  });
});

describe('isAheadOfClock', () => {
  it('is true only beyond now + tolerance', () => {
    expect(isAheadOfClock(new Date(now.getTime() + minute), now, minute)).toBe(false);
    expect(isAheadOfClock(new Date(now.getTime() + minute + 1), now, minute)).toBe(true);
    expect(isAheadOfClock(new Date(now.getTime() + 1), now, 0)).toBe(true);
    expect(isAheadOfClock(now, now, 0)).toBe(false);
  });
});
