import type { CallKind, CallRecord } from './load/calls.ts';
import { isSuccess } from './load/calls.ts';

export interface CallCounts {
  total: number;
  success: number;
  unavailable: number;
  noAnswer: number;
  other: number;
}

export function countCalls(records: readonly CallRecord[]): CallCounts {
  const counts: CallCounts = { total: records.length, success: 0, unavailable: 0, noAnswer: 0, other: 0 };
  for (const r of records) {
    if (isSuccess(r.outcome)) counts.success += 1;
    else if (r.outcome === 503) counts.unavailable += 1;
    else if (typeof r.outcome !== 'number') counts.noAnswer += 1;
    else counts.other += 1;
  }
  return counts;
}

/**
 * The answers that break the contract, grouped (kind, outcome, code) with a count and the first one's time
 * relative to `t0` and body: any status but 2xx and 503; a 503 without Retry-After or without the error
 * envelope; no answer at all, except inside `noAnswerAllowed` (the gateway itself was down).
 */
export function contractViolations(records: readonly CallRecord[], t0: number, noAnswerAllowed?: { from: number; to: number }): string[] {
  const groups = new Map<string, { count: number; first: CallRecord; why: string }>();
  const add = (record: CallRecord, why: string) => {
    const code = /"code":"([^"]+)"/.exec(record.body ?? '')?.[1] ?? record.error ?? '';
    const key = `${record.kind} ${record.outcome} ${code} ${why}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { count: 1, first: record, why });
  };
  for (const r of records) {
    if (isSuccess(r.outcome)) continue;
    if (r.outcome === 503) {
      if (!r.retryAfter) add(r, 'without Retry-After');
      if (!r.envelope) add(r, 'without the error envelope');
    } else if (typeof r.outcome !== 'number') {
      const allowed = noAnswerAllowed && r.startedAt >= noAnswerAllowed.from - 1_000 && r.endedAt <= noAnswerAllowed.to;
      if (!allowed) add(r, 'no answer');
    } else {
      add(r, r.outcome >= 500 ? 'server error other than 503' : 'refused');
    }
  }
  return [...groups.values()].map(({ count, first, why }) => {
    const at = ((first.startedAt - t0) / 1000).toFixed(1);
    const detail = first.body ?? first.error ?? '';
    return `${first.kind} → ${first.outcome} (${why}) ×${count}, first sent at fault${Number(at) >= 0 ? '+' : ''}${at} s: ${detail}`;
  });
}

/** For each kind, how long after `from` the first call sent at or after it succeeded (undefined: none yet). */
export function firstSuccessAfter(records: readonly CallRecord[], kinds: readonly CallKind[], from: number): Map<CallKind, number | undefined> {
  const result = new Map<CallKind, number | undefined>(kinds.map((k) => [k, undefined]));
  for (const r of records) {
    if (r.startedAt < from || !isSuccess(r.outcome) || !result.has(r.kind)) continue;
    const after = r.endedAt - from;
    const seen = result.get(r.kind);
    if (seen === undefined || after < seen) result.set(r.kind, after);
  }
  return result;
}
