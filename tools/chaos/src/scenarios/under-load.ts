import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { contractViolations, countCalls, firstSuccessAfter } from '../analyse.ts';
import { isSuccess, type CallKind } from '../load/calls.ts';
import { LoadDriver, userIds } from '../load/load-driver.ts';
import { pollUntil } from '../measure.ts';
import { waitForDecisionLog, waitForSamples } from '../verify.ts';
import { checkExactlyOnce } from './exactly-once.ts';
import type { Figure } from './scenario.ts';

/** What a scenario's fault did: when it began and ended, what it measured, what it saw go wrong. */
export interface Fault {
  /** Epoch ms. Recovery is measured from `end`. */
  start: number;
  end: number;
  figures: Figure[];
  failures: string[];
  /** Calls may go unanswered in this span: the gateway itself was down. */
  noAnswerAllowed?: { from: number; to: number };
  /** Measurements that run on while recovery is measured (and the load goes on); awaited before the verdict. */
  alongside?: Promise<Pick<Fault, 'figures' | 'failures'>>;
}

export interface UnderLoadOptions {
  label: string;
  gatewayUrl: string;
  pool: pg.Pool;
  /** Mints the simulated users' access tokens. */
  token: (userId: string) => string;
  users: number;
  /** Load before the fault, so there are decisions in flight and in the outboxes when it strikes. */
  warmupMs: number;
  inject: (driver: LoadDriver) => Promise<Fault>;
  /** Targets, in ms after the fault ended: every kind of call answered 2xx again; the decision log complete. */
  callsRecoveredMaxMs?: number;
  logCompleteMaxMs?: number;
  say: (line: string) => void;
  /** Every answer other than 2xx goes to `<logDir>/<label>.non-2xx.json`, for diagnosis. */
  logDir: string;
}

/** The kinds of call the app keeps making under load; recovery is when each has succeeded again. */
const loopKinds: readonly CallKind[] = ['check', 'decide', 'cycle-day', 'upload', 'history'];
const recoveryTimeoutMs = 60_000;
const afterRecoveryMs = 3_000;

/**
 * Runs simulated apps, lets the scenario strike, measures how soon every kind of call succeeds again and
 * how soon the decision log (and the state engine's samples) hold everything acknowledged before the fault
 * ended, then stops the load and checks the criterion of every scenario: each acknowledged decision and
 * sample held exactly once (exactly-once.ts), and no answer outside the contract: only 2xx, and 503 with
 * Retry-After and the error envelope (analyse.ts).
 */
export async function runUnderLoad(options: UnderLoadOptions): Promise<{ figures: Figure[]; failures: string[] }> {
  const driver = new LoadDriver(options.gatewayUrl, userIds(options.label, options.users), options.token);
  await driver.setUp();
  options.say(`${options.users} users see the brake; load running`);
  driver.start();
  try {
    return await measure(driver, options);
  } finally {
    await driver.stop();
  }
}

async function measure(driver: LoadDriver, options: UnderLoadOptions): Promise<{ figures: Figure[]; failures: string[] }> {
  await delay(options.warmupMs);

  const fault = await options.inject(driver);
  options.say(`fault over after ${((fault.end - fault.start) / 1000).toFixed(1)} s; measuring recovery`);
  const decisionsBefore = driver.decisions().filter((d) => d.at <= fault.end);
  const samplesBefore = driver.samples().filter((s) => s.at <= fault.end);
  const [callsBackAt, logCompleteAt, samplesCompleteAt] = await Promise.all([
    pollUntil(() => [...firstSuccessAfter(driver.log.records, loopKinds, fault.end).values()].every((v) => v !== undefined), recoveryTimeoutMs, 100),
    waitForDecisionLog(driver.client, driver.users, decisionsBefore, recoveryTimeoutMs),
    waitForSamples(options.pool, samplesBefore, recoveryTimeoutMs),
  ]);
  const perKind = firstSuccessAfter(driver.log.records, loopKinds, fault.end);
  const alongside = await fault.alongside;
  await delay(afterRecoveryMs);
  await driver.stop();
  const nonSuccess = driver.log.records.filter((r) => !isSuccess(r.outcome)).map((r) => ({ ...r, atFaultPlusMs: r.startedAt - fault.start }));
  await writeFile(path.join(options.logDir, `${options.label}.non-2xx.json`), JSON.stringify(nonSuccess, null, 1));

  const decisions = driver.decisions();
  const held = await checkExactlyOnce(driver, options.pool);
  const counts = countCalls(driver.log.records);
  const failures = [
    ...fault.failures,
    ...(alongside?.failures ?? []),
    ...contractViolations(driver.log.records, fault.start, fault.noAnswerAllowed),
    ...held.failures,
  ];

  const recovery = (at: number | undefined) => (at === undefined ? undefined : Math.max(0, at - fault.end));
  const slowestKind = [...perKind.values()].reduce<number | undefined>((a, b) => (a === undefined || b === undefined ? undefined : Math.max(a, b)), 0);
  const figures: Figure[] = [
    ...fault.figures,
    ...(alongside?.figures ?? []),
    { label: 'first 2xx of every kind of call after the fault', value: callsBackAt === undefined ? undefined : slowestKind, unit: 'ms', ...target(options.callsRecoveredMaxMs) },
    { label: 'first 2xx per kind (s)', value: [...perKind].map(([k, v]) => `${k} ${v === undefined ? '—' : (v / 1000).toFixed(1)}`).join(', '), unit: 'text' },
    { label: 'decision log complete after the fault', value: recovery(logCompleteAt), unit: 'ms', ...target(options.logCompleteMaxMs) },
    { label: 'uploaded samples in the state engine after the fault', value: recovery(samplesCompleteAt), unit: 'ms' },
    { label: 'decisions acknowledged (during the fault)', value: `${decisions.length} (${decisions.filter((d) => d.at >= fault.start && d.at <= fault.end).length})`, unit: 'text' },
    { label: 'samples acknowledged', value: driver.samples().length, unit: 'count' },
    ...held.figures,
    { label: 'calls: 2xx / 503 / no answer / other', value: `${counts.success} / ${counts.unavailable} / ${counts.noAnswer} / ${counts.other}`, unit: 'text' },
  ];
  // Targets are judged for every scenario in main.ts (recovery that never came is a failure there too).
  return { figures, failures };
}

const target = (max: number | undefined) => (max === undefined ? {} : { targetMax: max });
