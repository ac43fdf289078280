import { describe, expect, it } from '@jest/globals';
import { contractViolations, firstSuccessAfter } from './analyse.ts';
import type { CallRecord } from './load/calls.ts';

const envelope = '{"error":{"code":"dependency_unavailable","message":"x","details":[]}}';
const call = (outcome: CallRecord['outcome'], startedAt: number, extra: Partial<CallRecord> = {}): CallRecord => ({
  kind: 'decide',
  startedAt,
  endedAt: startedAt + 10,
  outcome,
  ...extra,
});

describe('contractViolations', () => {
  it('accepts 2xx and proper 503s', () => {
    expect(contractViolations([call(201, 0), call(503, 5, { retryAfter: '5', envelope: true, body: envelope })], 0)).toEqual([]);
  });

  it('reports a 500, a bare 503 and a lost answer, grouped with a count', () => {
    const violations = contractViolations(
      [
        call(500, 1_000, { body: '{"error":{"code":"internal"}}' }),
        call(500, 2_000, { body: '{"error":{"code":"internal"}}' }),
        call(503, 3_000, { retryAfter: null, envelope: true, body: envelope }),
        call('network', 4_000, { error: 'ECONNREFUSED' }),
      ],
      0,
    );
    expect(violations).toEqual([
      expect.stringContaining('decide → 500 (server error other than 503) ×2, first sent at fault+1.0 s'),
      expect.stringContaining('decide → 503 (without Retry-After) ×1'),
      expect.stringContaining('decide → network (no answer) ×1'),
    ]);
  });

  it('allows no answer only inside the given span', () => {
    const records = [call('network', 1_000), call('network', 9_000)];
    expect(contractViolations(records, 0, { from: 1_000, to: 5_000 })).toEqual([expect.stringContaining('first sent at fault+9.0 s')]);
  });
});

describe('firstSuccessAfter', () => {
  it('takes the first success among calls sent at or after the instant', () => {
    const records = [call(201, 90), call(503, 100), call(201, 120), call(201, 110)];
    expect(firstSuccessAfter(records, ['decide', 'check'], 100)).toEqual(
      new Map([
        ['decide', 20],
        ['check', undefined],
      ]),
    );
  });
});
