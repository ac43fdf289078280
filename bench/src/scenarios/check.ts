import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { call, forEachConcurrently, systemCpuSeconds, type BenchContext } from '../context.ts';
import { startFloor } from '../floor/start-floor.ts';
import { runLoad } from '../load/run-load.ts';
import type { LoadResult } from '../load/load-types.ts';
import { round, type Usage } from '../proc-stats.ts';
import { meanSpeed, type Speed } from '../speed.ts';
import { userId } from '../seed.ts';

export interface LoadRun {
  result: LoadResult;
  usage: Usage;
  speed: Speed;
  /** CPU milliseconds per request of the processes that answer it (services + PostgreSQL, or floor + PostgreSQL). */
  cpuMsPerRequest: number;
  /** The same at the machine speed measured when the benchmark started (see speed.ts). */
  normalizedCpuMsPerRequest: number;
}

function loadRun(ctx: BenchContext, outcome: { result: LoadResult; usage: Usage; speed: Speed }, roles?: readonly string[]): LoadRun {
  const cpuMsPerRequest = (systemCpuSeconds(outcome.usage, roles) * 1000) / outcome.result.requests;
  return {
    ...outcome,
    cpuMsPerRequest: round(cpuMsPerRequest, 3),
    normalizedCpuMsPerRequest: round((cpuMsPerRequest * meanSpeed(outcome.speed)) / ctx.referenceSpeed, 3),
  };
}

export interface CheckAtScale {
  users: number;
  /** CPU of every process while nothing is asked of the system (background work such as the mock providers). */
  idle: Usage;
  check?: LoadRun;
  /** The check again with 4 connections: latency when the system is not saturated. */
  light?: LoadRun & { connections: number };
  /**
   * At the largest scale, the check again over exactly the users of the first run, whose tokens the gateway
   * has verified by then: the app's steady state (one token polled every minute), as at the small scale,
   * where every token is seen within the warmup. The first run pays one signature check per request.
   */
  repeat?: LoadRun;
  floor?: LoadRun;
  /**
   * Answers of the gateway and the floor compared field by field (timestamps aside) for a sample of users; a
   * correctness check (correctness.ts): any difference, or nothing compared, fails the run.
   */
  agreement?: { compared: number; differing: number; example?: unknown };
}

const checkPath = '/api/v1/state/check';

/** The check scenario (and the floor, measured the same way over the same users) at one number of seeded users. */
export async function runCheckAtScale(ctx: BenchContext, users: number, first: boolean, last: boolean): Promise<CheckAtScale> {
  const { options, system, monitor, identity } = ctx;
  const ids = Array.from({ length: users }, (_, i) => userId('u', i));
  const tokensFile = path.join(ctx.tempDir, `tokens-${users}.txt`);
  await identity.writeTokens(tokensFile, ids);

  const idleWindow = monitor.window();
  await delay(options.quick ? 1_000 : 3_000);
  const outcome: CheckAtScale = { users, idle: idleWindow.stop() };
  const load = (url: string, warmupSeconds = options.warmupSeconds) => ({
    url,
    method: 'POST' as const,
    path: checkPath,
    tokensFile,
    connections: options.connections,
    seconds: options.checkSeconds,
    warmupSeconds,
  });

  if (options.scenarios.has('check')) {
    ctx.say(`check: ${options.connections} connections, ${options.checkSeconds} s over ${users} users' tokens`);
    // The first run also warms the services' JIT for everything after it.
    outcome.check = loadRun(ctx, await runLoad(load(system.gatewayUrl, first ? 3 * options.warmupSeconds : options.warmupSeconds), monitor));
    const result = outcome.check.result;
    ctx.say(`check: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
    if (last && users > result.requests) {
      const replay = { ...load(system.gatewayUrl, 0), startAt: result.startAt, tokenCount: result.tokensUsed };
      outcome.repeat = loadRun(ctx, await runLoad(replay, monitor));
      const r = outcome.repeat.result;
      ctx.say(`check again over the same ${result.tokensUsed} users (tokens verified before): ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`);
    }
    if (last) {
      // autocannon's own pacing sends each connection's quota in bursts once a second; a few connections
      // in a closed loop show the latency of an unsaturated system instead.
      const light = loadRun(ctx, await runLoad({ ...load(system.gatewayUrl, 0), connections: 4 }, monitor));
      outcome.light = { ...light, connections: 4 };
      ctx.say(`check with 4 connections: ${Math.round(light.result.requestsPerSecond)} req/s, p50 ${light.result.latencyMs.p50} ms, p99 ${light.result.latencyMs.p99} ms`);
    }
  }
  if (options.scenarios.has('floor')) {
    const floor = await startFloor({ databaseUrl: system.databaseUrl, jwksUrl: identity.jwksUrl, issuer: identity.issuer, audience: identity.audience, poolMax: 10, queries: options.floorQueries });
    monitor.name(floor.pid, 'floor');
    try {
      outcome.agreement = await compareAnswers(ctx, floor.url, ids);
      ctx.say(`floor: ${outcome.agreement.differing} of ${outcome.agreement.compared} sampled answers differ from the gateway's`);
      outcome.floor = loadRun(ctx, await runLoad(load(floor.url), monitor), ['floor', 'postgres']);
      const result = outcome.floor.result;
      ctx.say(`floor: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}`);
    } finally {
      await floor.stop();
    }
  }
  return outcome;
}

/** The floor answers the same question: same answers (all fields but the evaluation time) for a sample of users. */
async function compareAnswers(ctx: BenchContext, floorUrl: string, ids: readonly string[]): Promise<NonNullable<CheckAtScale['agreement']>> {
  const size = Math.min(ctx.options.quick ? 100 : 300, ids.length);
  const sample = Array.from({ length: size }, (_, i) => ids[Math.floor((i * ids.length) / size)]!);
  let differing = 0;
  let example: unknown;
  await forEachConcurrently(sample, 8, async (id) => {
    const token = ctx.identity.token(id);
    const [gateway, floor] = await Promise.all([call(ctx.system.gatewayUrl + checkPath, token, 'POST'), call(floorUrl + checkPath, token, 'POST')]);
    const strip = (b: Record<string, unknown>) => canonical({ ...b, timestamp: undefined });
    // Two identical refusals are no agreement on the answer: anything but 200 from either side differs.
    if (gateway.status !== 200 || floor.status !== 200 || strip(gateway.body) !== strip(floor.body)) {
      differing += 1;
      example ??= { user: id, gateway: gateway.body, floor: floor.body };
    }
  });
  return { compared: sample.length, differing, ...(example ? { example } : {}) };
}

/** JSON with keys sorted at every level: the two servers need not agree on key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
