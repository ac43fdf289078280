import { describe, expect, it } from '@jest/globals';
import { evaluateCorrectness, exitCode, failedChecks } from './correctness.ts';
import type { Usage } from './proc-stats.ts';
import type { CheckAtScale } from './scenarios/check.ts';
import type { DecideResult } from './scenarios/decide.ts';

const usage: Usage = { roles: {}, machine: { busyCores: 0, stealCores: 0, softirqCores: 0 } };

function scale(users: number, agreement?: CheckAtScale['agreement']): CheckAtScale {
  return { users, idle: usage, ...(agreement ? { agreement } : {}) };
}

/** A clean decide run: 100 users × 3 rounds, every decision in the log once. */
function decide(overrides: Partial<DecideResult> = {}, proof: Partial<DecideResult['proof']> = {}): DecideResult {
  return {
    users: 100,
    rounds: 3,
    decisions: 300,
    loopSeconds: 10,
    decisionsPerSecond: 30,
    requestsPerSecond: 100,
    decisionLatencyMs: { p50: 5, p99: 20 },
    unexpected: {},
    replays: { sent: 30, sameAnswer: 30 },
    doubleTaps: { sent: 10, oneRecorded: 10 },
    recordedPerUser: { fewer: 0, more: 0 },
    proof: { logRows: 300, matching: 300, missing: 0, unexpected: 0, doubled: 0, perUserExact: true, secondsToLog: 0.5, exactlyOnce: true, ...proof },
    usage,
    speed: { before: 1, after: 1 },
    ...overrides,
  };
}

const agreeing = { compared: 300, differing: 0 };
const failed = (check: CheckAtScale[], d?: DecideResult) => failedChecks(evaluateCorrectness(check, d)).map((c) => c.check);

describe('the benchmark’s correctness checks', () => {
  it('pass a run whose answers agree and whose decisions are all logged once', () => {
    const checks = evaluateCorrectness([scale(1_000, agreeing), scale(100_000, agreeing)], decide());
    expect(checks.map((c) => c.status)).toEqual(Array.from({ length: 7 }, () => 'passed'));
    expect(failedChecks(checks)).toEqual([]);
  });

  it('say "not run", and fail nothing, for scenarios that did not run', () => {
    const checks = evaluateCorrectness([scale(1_000)]);
    expect(checks.map((c) => c.status)).toEqual(Array.from({ length: 6 }, () => 'not run'));
    expect(failedChecks(checks)).toEqual([]);
  });

  it('fail when the floor answered differently from the gateway at any scale', () => {
    const example = { user: 'u0000007', gateway: { should_display: true }, floor: { should_display: false } };
    const checks = evaluateCorrectness([scale(1_000, agreeing), scale(100_000, { compared: 300, differing: 1, example })]);
    expect(failedChecks(checks)).toEqual([expect.objectContaining({ check: 'floor: the same answers as the gateway @ 100,000 users', value: expect.stringContaining('1 of 300 differ, e.g. {"user":"u0000007"') })]);
  });

  it('fail when nothing was compared', () => {
    expect(failed([scale(1_000, { compared: 0, differing: 0 })])).toEqual(['floor: the same answers as the gateway @ 1,000 users']);
  });

  it('fail when decisions are missing: fewer recorded than users × rounds, or none at all', () => {
    expect(failed([], decide({ decisions: 297, recordedPerUser: { fewer: 3, more: 0 } }, { logRows: 297, matching: 297 }))).toEqual(['decide: every user’s every round recorded once']);
    const nothing = decide({ decisions: 0, recordedPerUser: { fewer: 100, more: 0 }, replays: { sent: 0, sameAnswer: 0 }, doubleTaps: { sent: 0, oneRecorded: 0 } }, { logRows: 0, matching: 0 });
    expect(failed([], nothing)).toEqual([
      'decide: every user’s every round recorded once',
      'decide: the decision log holds exactly the recorded decisions',
      'decide: replays answered the same',
      'decide: double taps recorded once',
    ]);
  });

  it('fail when the log misses a recorded decision', () => {
    expect(failed([], decide({}, { logRows: 299, matching: 299, missing: 1, perUserExact: false, exactlyOnce: false }))).toEqual(['decide: the decision log holds exactly the recorded decisions']);
  });

  it('fail on an unexpected row in the log', () => {
    expect(failed([], decide({}, { logRows: 301, unexpected: 1, perUserExact: false, exactlyOnce: false }))).toEqual(['decide: the decision log holds exactly the recorded decisions']);
  });

  it('fail on a doubled row, even when every row matches a recorded decision', () => {
    expect(failed([], decide({}, { logRows: 301, matching: 301, doubled: 1, exactlyOnce: false }))).toEqual(['decide: the decision log holds exactly the recorded decisions']);
  });

  it('fail when a replay (same Idempotency-Key) answered differently, or none was sent', () => {
    expect(failed([], decide({ replays: { sent: 30, sameAnswer: 29 } }))).toEqual(['decide: replays answered the same']);
    expect(failed([], decide({ replays: { sent: 0, sameAnswer: 0 } }))).toEqual(['decide: replays answered the same']);
  });

  it('fail when a double tap recorded two decisions', () => {
    // The second decision is in the log too, so the log matches what the API recorded: only these checks see it.
    const doubled = decide({ decisions: 301, doubleTaps: { sent: 10, oneRecorded: 9 }, recordedPerUser: { fewer: 0, more: 1 } }, { logRows: 301, matching: 301 });
    expect(failed([], doubled)).toEqual(['decide: every user’s every round recorded once', 'decide: double taps recorded once']);
  });

  it('fail when an answer was not the expected one (no brake before, or no cooling after)', () => {
    const checks = evaluateCorrectness([], decide({ unexpected: { 'round 2: after Delay, none instead of cooling': 1 } }));
    expect(failedChecks(checks)).toEqual([{ check: 'decide: every answer as expected', value: 'round 2: after Delay, none instead of cooling: 1', status: 'failed' }]);
  });

  it('make the exit code 1 for a failed check or a stopped run, 0 otherwise (checks not run included)', () => {
    expect(exitCode(false, evaluateCorrectness([scale(1_000, agreeing)], decide()))).toBe(0);
    expect(exitCode(false, evaluateCorrectness([scale(1_000)]))).toBe(0);
    expect(exitCode(false, evaluateCorrectness([scale(1_000, { compared: 0, differing: 0 })]))).toBe(1);
    expect(exitCode(false, evaluateCorrectness([], decide({}, { doubled: 1, logRows: 301, matching: 301 })))).toBe(1);
    expect(exitCode(true, evaluateCorrectness([scale(1_000, agreeing)], decide()))).toBe(1);
  });
});
