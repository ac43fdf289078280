import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { call, forEachConcurrently, percentile, type BenchContext } from '../context.ts';
import { round, type Usage } from '../proc-stats.ts';
import { speedIndex, type Speed } from '../speed.ts';
import { seedCohort, userId } from '../seed.ts';

export interface DecideResult {
  users: number;
  rounds: number;
  /** Decisions the API recorded (201 with a new decision id). */
  decisions: number;
  loopSeconds: number;
  decisionsPerSecond: number;
  requestsPerSecond: number;
  decisionLatencyMs: { p50: number; p99: number };
  /** Every round: the brake showed before the answer, and cooling (or the Proceed lock) after it. */
  unexpected: Record<string, number>;
  /** Retries with the same Idempotency-Key: the first answer back, nothing recorded twice. */
  replays: { sent: number; sameAnswer: number };
  /** Two answers to one brake at once: exactly one recorded, the other refused (409). */
  doubleTaps: { sent: number; oneRecorded: number };
  /** Users whose recorded decisions were fewer or more than the rounds (one decision per user and round). */
  recordedPerUser: { fewer: number; more: number };
  /** The decision log against what the API recorded; `doubled` counts rows whose decision id is on another row too. */
  proof: { logRows: number; matching: number; missing: number; unexpected: number; doubled: number; perUserExact: boolean; secondsToLog: number; exactlyOnce: boolean };
  usage: Usage;
  speed: Speed;
}

/**
 * The brake → Delay → brake-again loop for many users at once. A cohort of its own is seeded on Day 4 in a
 * running meeting with a fresh 35% HRV drop; each round every user checks (the brake shows), answers, and
 * checks again (cooling); then the development clock moves 20 minutes (advance-time: every service's) and
 * the brake shows again. Three rounds (Delay, Delay, Proceed) fit in the reading's 60 minutes of freshness.
 * Afterwards the decision log must hold exactly the recorded decisions, one row each.
 */
export async function runDecide(ctx: BenchContext): Promise<DecideResult> {
  const { options, system, monitor, identity } = ctx;
  const users = options.decideUsers;
  await seedCohort(system.databaseUrl, { prefix: 'd', from: 0, to: users, day: 4, braking: true }, { now: new Date(), zones: ctx.zones, samplesPerDay: options.samplesPerDay });
  const ids = Array.from({ length: users }, (_, i) => userId('d', i));
  const tokens = new Map(ids.map((id) => [id, identity.token(id)]));
  const url = (p: string) => system.gatewayUrl + p;
  const recorded = new Map<string, { user: string; decision: string }>();
  const unexpected: Record<string, number> = {};
  const note = (what: string): void => {
    unexpected[what] = (unexpected[what] ?? 0) + 1;
  };
  const latencies: number[] = [];
  const replays = { sent: 0, sameAnswer: 0 };
  const doubleTaps = { sent: 0, oneRecorded: 0 };
  let requests = 0;

  const decide = async (id: string, decision: 'Delay' | 'Proceed', key: string) => {
    const started = performance.now();
    const reply = await call(url('/api/v1/decisions'), tokens.get(id)!, 'POST', { decision_type: decision }, { 'idempotency-key': key });
    latencies.push(performance.now() - started);
    requests += 1;
    return reply;
  };

  const rounds = 3;
  ctx.say(`decide: ${users} users, ${rounds} rounds (Delay, Delay, Proceed), ${options.decideConcurrency} at once`);
  const speedBefore = speedIndex();
  const window = monitor.window();
  const started = performance.now();
  for (let r = 1; r <= rounds; r += 1) {
    const decision = r < rounds ? 'Delay' : 'Proceed';
    await forEachConcurrently(ids, options.decideConcurrency, async (id, i) => {
      const token = tokens.get(id)!;
      const before = await call(url('/api/v1/state/check'), token, 'POST');
      requests += 1;
      if (before.body.should_display !== true) return note(`round ${r}: no brake (${String(before.body.reason ?? before.status)})`);
      const key = randomUUID();
      const tap = r === 1 && i % 10 === 5;
      const [first, second] = await Promise.all([decide(id, decision, key), tap ? decide(id, decision, randomUUID()) : undefined]);
      for (const reply of [first, second]) {
        if (reply?.status === 201) recorded.set(reply.body.decision_id as string, { user: id, decision });
      }
      if (tap) {
        doubleTaps.sent += 1;
        if ([first.status, second!.status].sort().join() === '201,409') doubleTaps.oneRecorded += 1;
      } else if (first.status !== 201) return note(`round ${r}: decision answered ${first.status}`);
      if (i % 10 === 0) {
        replays.sent += 1;
        const again = await decide(id, decision, key);
        if (again.status === 201 && again.body.decision_id === first.body.decision_id) replays.sameAnswer += 1;
      }
      const after = await call(url('/api/v1/state/check'), token, 'POST');
      requests += 1;
      const expected = decision === 'Delay' ? 'cooling' : 'locked_for_event';
      if (after.body.should_display !== false || after.body.reason !== expected) note(`round ${r}: after ${decision}, ${String(after.body.reason)} instead of ${expected}`);
    });
    if (r < rounds) {
      await call(url('/api/v1/dev/advance-time'), tokens.get(ids[0]!)!, 'POST', { minutes: 20 });
      requests += 1;
    }
  }
  const loopSeconds = (performance.now() - started) / 1000;
  const perUser = new Map(ids.map((id) => [id, 0]));
  for (const { user } of recorded.values()) perUser.set(user, (perUser.get(user) ?? 0) + 1);
  const recordedPerUser = { fewer: [...perUser.values()].filter((n) => n < rounds).length, more: [...perUser.values()].filter((n) => n > rounds).length };
  const proof = await proveExactlyOnce(system.databaseUrl, recorded, options.quick ? 30_000 : 60_000);
  const usage = window.stop();
  return {
    users,
    rounds,
    decisions: recorded.size,
    loopSeconds: round(loopSeconds, 1),
    decisionsPerSecond: round(recorded.size / loopSeconds, 0),
    requestsPerSecond: round(requests / loopSeconds, 0),
    decisionLatencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    unexpected,
    replays,
    doubleTaps,
    recordedPerUser,
    proof,
    usage,
    speed: { before: speedBefore, after: speedIndex() },
  };
}

/** Waits for decision_log.decision_logs to catch up, then compares it with what the API recorded, row by row. */
async function proveExactlyOnce(databaseUrl: string, recorded: ReadonlyMap<string, { user: string; decision: string }>, timeoutMs: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    const rowsNow = async () =>
      (await client.query<{ decision_id: string; user_id: string; decision: string }>(`select decision_id::text, user_id, decision from decision_log.decision_logs where user_id like 'd%'`)).rows;
    let rows = await rowsNow();
    while (rows.length < recorded.size && performance.now() - started < timeoutMs) {
      await delay(200);
      rows = await rowsNow();
    }
    const secondsToLog = (performance.now() - started) / 1000;
    await delay(1_000); // anything that would arrive twice arrives now
    rows = await rowsNow();
    const matching = rows.filter((r) => recorded.get(r.decision_id)?.user === r.user_id && recorded.get(r.decision_id)?.decision === r.decision).length;
    const tally = (users: Iterable<string>) => {
      const counts = new Map<string, number>();
      for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
      return counts;
    };
    const logged = tally(rows.map((r) => r.user_id));
    const expected = tally([...recorded.values()].map((d) => d.user));
    const perUserExact = logged.size === expected.size && [...expected].every(([u, n]) => logged.get(u) === n);
    const inLog = new Set(rows.map((r) => r.decision_id));
    const missing = [...recorded.keys()].filter((id) => !inLog.has(id)).length;
    return {
      logRows: rows.length,
      matching,
      missing,
      unexpected: rows.length - matching,
      doubled: rows.length - inLog.size,
      perUserExact,
      secondsToLog: round(secondsToLog, 1),
      exactlyOnce: rows.length === recorded.size && matching === recorded.size && missing === 0,
    };
  } finally {
    await client.end();
  }
}
