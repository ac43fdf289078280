import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FakeApns } from '@omtobe/testing/fakes';
import pg from 'pg';
import { call, forEachConcurrently, percentile, type BenchContext } from '../context.ts';
import type { StreamChildConfig } from '../load/stream-child.ts';
import { round, type Usage } from '../proc-stats.ts';
import { seedCohort, userId } from '../seed.ts';
import { speedIndex, type Speed } from '../speed.ts';

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface PushAfterDrop {
  /** Users with a registered iOS device (the population), and how long registering them through the API took. */
  users: number;
  registerSeconds: number;
  registerErrors: number;
  drops: number;
  offeredPerSecond: number;
  uploadErrors: number;
  uploadMs: Latency;
  /** Upload answered (the HTTP response) → the brake push accepted by the fake APNs. */
  latencyMs: Latency;
  /** The same from the moment the upload was sent. */
  fromSendMs: Latency;
  /** Drops whose push had not arrived when the wait ended. */
  missing: number;
  /**
   * Where the time goes: upload answered → integrations' push_deliveries row created (gateway, integrations,
   * Kafka, the state engine, Kafka again, the prompts consumer), and that row → the push at APNs (the push worker).
   */
  split: { toDeliveryRowMs: Latency; rowToApnsMs: Latency };
  usage: Usage;
  speed: Speed;
}

export interface ReadingRequest {
  users: number;
  /** The events start over this many seconds (the due-work loop's load). */
  spreadSeconds: number;
  /** Event start → the silent reading-request push accepted by the fake APNs. */
  latencyMs: Latency & { min: number };
  missing: number;
  usage: Usage;
}

export interface StreamsRun {
  wanted: number;
  opened: number;
  statuses: Record<string, number>;
  openSeconds: number;
  users: number;
  perUser: number;
  loadProcesses: number;
  /** The gateway's resident memory: before any stream, once all are open (5 s later), the highest sampled (every 0.5 s). */
  gatewayRssMb: { before: number; open: number; peak: number };
  /** Users sent a transition (an HRV-drop upload → brake raised) while the streams were open. */
  transitions: {
    users: number;
    /** Users all of whose streams received it. */
    complete: number;
    /** Upload answered → the last of the user's streams received the transition. */
    allStreamsMs: Latency;
    /** Upload answered → the first of them. */
    firstStreamMs: Latency;
  };
  /** Streams the gateway ended while they were meant to stay open. */
  endedEarly: number;
  usage: Usage;
}

export interface DeliveryResult {
  pushAfterDrop?: PushAfterDrop;
  readingRequest?: ReadingRequest;
  streams?: StreamsRun;
  /** Environment the bench system ran with for this scenario (besides the fake APNs's). */
  envOverrides: Record<string, string>;
  seedSeconds: number;
  /** Why the scenario stopped early (e.g. a service died); the parts measured before are kept. */
  failure?: string;
}

const latency = (values: readonly number[]): Latency => ({
  count: values.length,
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(values.length ? Math.max(...values) : NaN),
});

/** A device token per user: 64 hex digits (an APNs token's shape), derived so the fake's records map back to users. */
const deviceToken = (id: string) => createHash('sha256').update(`device:${id}`).digest('hex');

/** One HealthKit SDNN sample far below every seeded baseline (38–68 ms): a drop of at least 45%. */
const dropUpload = () => {
  const end = new Date(Date.now() - 1_000);
  return { samples: [{ uuid: randomUUID(), start: new Date(end.getTime() - 60_000).toISOString(), end: end.toISOString(), value: 20, unit: 'ms', source_device: 'Apple Watch' }] };
};

/** The environment the bench system needs for this scenario, beside FakeApns.env(). */
export function deliveryEnv(options: BenchContext['options']): Record<string, string> {
  // The replica's stream limit (STREAMS_PER_REPLICA, sized for the default heap) is lifted to what the scenario opens:
  // the bench measures what that many streams cost; the limit is what keeps a replica from running out of heap.
  return {
    STREAMS_PER_REPLICA: String(options.streams + 100),
    // The gateway allows 5 streams per user per replica; only more than that per user needs the cap raised.
    ...(options.streamsPerUser > 5 ? { STREAMS_PER_USER: String(options.streamsPerUser) } : {}),
  };
}

/**
 * Issue 13's delivery targets: an HRV drop during a running high-stakes meeting → the brake push at APNs (a local
 * fake over HTTP/2 and TLS, in this process); an event's start with a stale reading → the silent reading-request
 * push; and many live streams on one gateway: its memory, and a transition reaching all of a user's streams.
 */
export async function runDelivery(ctx: BenchContext, apns: FakeApns, result: DeliveryResult): Promise<DeliveryResult> {
  const { options, system, say } = ctx;
  const now = new Date();
  const seedOptions = { now, zones: ctx.zones, samplesPerDay: options.samplesPerDay };
  const seedStarted = performance.now();
  // p: Day 4, in a running meeting, a fresh normal reading (a drop upload raises the brake).
  await seedCohort(system.databaseUrl, { prefix: 'p', from: 0, to: options.deliveryUsers, day: 4, runningEvent: true, dropped: false }, seedOptions);
  // r: Day 4, no running meeting, a reading 3 hours old (stale); an event starting soon is set below.
  await seedCohort(system.databaseUrl, { prefix: 'r', from: 0, to: options.deliveryEventUsers, day: 4, runningEvent: false, dropped: false, latestAgeSeconds: 3 * 3600 }, seedOptions);
  const streamUsers = Math.ceil(options.streams / options.streamsPerUser);
  // s: as p, without devices: their transitions go to live streams.
  await seedCohort(system.databaseUrl, { prefix: 's', from: 0, to: streamUsers, day: 4, runningEvent: true, dropped: false }, seedOptions);
  const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
  say(`delivery: seeded ${options.deliveryUsers} + ${options.deliveryEventUsers} + ${streamUsers} users in ${seedSeconds} s`);

  result.seedSeconds = seedSeconds;
  result.pushAfterDrop = await pushAfterDrop(ctx, apns);
  result.readingRequest = await readingRequest(ctx, apns);
  result.streams = await streamsRun(ctx, streamUsers);
  return result;
}

/** Registers one iOS device per user through the API (tokens are stored encrypted: no honest shortcut in SQL). */
async function registerDevices(ctx: BenchContext, ids: readonly string[]): Promise<{ seconds: number; errors: number }> {
  const started = performance.now();
  let errors = 0;
  await forEachConcurrently(ids, 32, async (id) => {
    const reply = await call(`${ctx.system.gatewayUrl}/api/v1/devices`, ctx.identity.token(id), 'POST', { platform: 'ios', token: deviceToken(id), environment: 'production' });
    if (reply.status !== 201 && reply.status !== 200) errors += 1;
  });
  return { seconds: round((performance.now() - started) / 1000, 1), errors };
}

/** Pushes accepted by the fake since `from` (an index into its records), by device token, first arrival each. */
function arrivals(apns: FakeApns, from: number, kind: string): Map<string, number> {
  const byToken = new Map<string, number>();
  for (const push of apns.accepted.slice(from)) {
    if (push.payload.kind === kind && !byToken.has(push.token)) byToken.set(push.token, push.at);
  }
  return byToken;
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await delay(100);
}

async function pushAfterDrop(ctx: BenchContext, apns: FakeApns): Promise<PushAfterDrop> {
  const { options, system, identity, monitor, say } = ctx;
  const ids = Array.from({ length: options.deliveryUsers }, (_, i) => userId('p', i));
  say(`delivery: registering ${ids.length} devices through POST /api/v1/devices`);
  const registered = await registerDevices(ctx, ids);
  say(`delivery: registered in ${registered.seconds} s (${registered.errors} errors)`);
  const drops = Math.min(options.deliveryDrops, ids.length);
  const step = Math.floor(ids.length / drops);
  const droppers = Array.from({ length: drops }, (_, k) => ids[k * step]!);
  const tokens = new Map(droppers.map((id) => [id, identity.token(id)]));
  const answered = new Map<string, { sentAt: number; answeredAt: number }>();
  const uploadMs: number[] = [];
  let uploadErrors = 0;

  say(`delivery: ${drops} HRV-drop uploads at ${options.deliveryRate}/s among ${ids.length} users with a device`);
  const from = apns.accepted.length;
  const speedBefore = speedIndex();
  const window = monitor.window();
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let k = 0; k < drops; k += 1) {
    const wait = started + (k * 1000) / options.deliveryRate - performance.now();
    if (wait > 0) await delay(wait);
    const id = droppers[k]!;
    inFlight.push(
      (async () => {
        const sentAt = Date.now();
        try {
          const reply = await call(`${system.gatewayUrl}/api/v1/hrv/samples`, tokens.get(id)!, 'POST', dropUpload());
          const answeredAt = Date.now();
          const results = (reply.body.results ?? []) as Array<{ outcome: string }>;
          if (reply.status !== 200 || results.some((r) => r.outcome !== 'accepted')) throw new Error(`upload answered ${reply.status}`);
          uploadMs.push(answeredAt - sentAt);
          answered.set(deviceToken(id), { sentAt, answeredAt });
        } catch {
          uploadErrors += 1;
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  await waitFor(() => arrivals(apns, from, 'brake').size >= answered.size, 30_000);
  const usage = window.stop();
  const got = arrivals(apns, from, 'brake');
  const latencies: number[] = [];
  const fromSend: number[] = [];
  for (const [token, t] of answered) {
    const at = got.get(token);
    if (at === undefined) continue;
    latencies.push(at - t.answeredAt);
    fromSend.push(at - t.sentAt);
  }
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  const toRow: number[] = [];
  const rowToApns: number[] = [];
  try {
    const { rows } = await client.query<{ user_id: string; created_at: Date }>(
      `select user_id, min(created_at) as created_at from integrations.push_deliveries where kind = 'brake' and user_id = any($1::text[]) group by user_id`,
      [droppers],
    );
    for (const r of rows) {
      const token = deviceToken(r.user_id);
      const t = answered.get(token);
      const at = got.get(token);
      if (t) toRow.push(r.created_at.getTime() - t.answeredAt);
      if (at !== undefined) rowToApns.push(at - r.created_at.getTime());
    }
  } finally {
    await client.end();
  }
  return {
    users: ids.length,
    registerSeconds: registered.seconds,
    registerErrors: registered.errors,
    drops,
    offeredPerSecond: options.deliveryRate,
    uploadErrors,
    uploadMs: latency(uploadMs),
    latencyMs: latency(latencies),
    fromSendMs: latency(fromSend),
    missing: answered.size - latencies.length,
    split: { toDeliveryRowMs: latency(toRow), rowToApnsMs: latency(rowToApns) },
    usage,
    speed: { before: speedBefore, after: speedIndex() },
  };
}

async function readingRequest(ctx: BenchContext, apns: FakeApns): Promise<ReadingRequest> {
  const { options, system, monitor, say } = ctx;
  const ids = Array.from({ length: options.deliveryEventUsers }, (_, i) => userId('r', i));
  say(`delivery: registering ${ids.length} devices (users with a stale reading)`);
  await registerDevices(ctx, ids);
  // Each user's event starts 15 s from now plus a share of the spread (100 starts a second at most), ends an hour
  // later. Written as the calendar consumer and the engine would have written them: the event in both services'
  // tables, and the user due at the event's start (the engine's next instant; nothing else is due before).
  const spreadSeconds = Math.max(5, Math.ceil(ids.length / 100));
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  const starts = new Map<string, number>();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ user_id: string; starts_at: Date }>(
      `with u as (select user_id, row_number() over (order by user_id) - 1 as n, count(*) over () as total from state_engine.user_states where user_id = any($1::text[])),
       e as (select user_id, 'bench-' || left(md5(user_id || ':soon'), 20) as event_id,
                    clock_timestamp() + interval '15 seconds' + make_interval(secs => $2::float8 * n / total) as starts_at from u),
       c as (insert into integrations.calendar_events (user_id, source, event_id, title, starts_at, ends_at, updated_at)
             select user_id, 'mock', event_id, 'Investor pitch', starts_at, starts_at + interval '1 hour', now() from e)
       insert into state_engine.high_stakes_events (user_id, event_id, title, starts_at, ends_at)
       select user_id, event_id, 'Investor pitch', starts_at, starts_at + interval '1 hour' from e
       returning user_id, starts_at`,
      [ids, spreadSeconds],
    );
    await client.query(
      `update state_engine.user_states s set due_at = least(s.due_at, e.starts_at)
       from state_engine.high_stakes_events e where e.user_id = s.user_id and e.title = 'Investor pitch' and s.user_id = any($1::text[])`,
      [ids],
    );
    await client.query('commit');
    for (const r of rows) starts.set(deviceToken(r.user_id), r.starts_at.getTime());
  } finally {
    await client.end();
  }
  say(`delivery: ${ids.length} events start over ${spreadSeconds} s from 15 s on; waiting for the reading-request pushes`);
  const from = apns.accepted.length;
  const window = monitor.window();
  const lastStart = Math.max(...starts.values());
  await delay(Math.max(0, lastStart - Date.now()));
  await waitFor(() => arrivals(apns, from, 'reading').size >= starts.size, 15_000);
  const usage = window.stop();
  const got = arrivals(apns, from, 'reading');
  const latencies: number[] = [];
  for (const [token, start] of starts) {
    const at = got.get(token);
    if (at !== undefined) latencies.push(at - start);
  }
  return { users: ids.length, spreadSeconds, latencyMs: { ...latency(latencies), min: round(latencies.length ? Math.min(...latencies) : NaN) }, missing: starts.size - latencies.length, usage };
}

/** The gateway's resident set (VmRSS), MB. */
function rssMb(pid: number | undefined): number {
  try {
    const match = pid ? /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null;
    return match ? round(Number(match[1]) / 1024, 1) : NaN;
  } catch {
    return NaN; // the process is gone (the crash is reported by the system)
  }
}

const streamChild = fileURLToPath(new URL('../load/stream-child.ts', import.meta.url));

async function streamsRun(ctx: BenchContext, users: number): Promise<StreamsRun> {
  const { options, system, identity, monitor, say } = ctx;
  const gatewayPid = system.pids().gateway;
  const ids = Array.from({ length: users }, (_, i) => userId('s', i));
  const processes = Math.min(4, users);
  const before = rssMb(gatewayPid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(gatewayPid) || 0)), 500);
  const window = monitor.window();

  const children: ChildProcess[] = [];
  const arrivalsByUser = new Map<string, number[]>();
  const opens: Array<Promise<{ opened: number; statuses: Record<string, number>; seconds: number }>> = [];
  let ended = 0;
  const started = performance.now();
  say(`delivery: opening ${users * options.streamsPerUser} live streams (${users} users × ${options.streamsPerUser}) from ${processes} processes`);
  for (let c = 0; c < processes; c += 1) {
    const share = ids.filter((_, i) => i % processes === c);
    const usersFile = path.join(ctx.tempDir, `stream-users-${c}.txt`);
    await writeFile(usersFile, share.map((id) => `${id} ${identity.token(id)}`).join('\n'));
    const config: StreamChildConfig = { url: system.gatewayUrl, usersFile, streamsPerUser: options.streamsPerUser, concurrency: 32 };
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', streamChild, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    monitor.name(child.pid, 'load-generator');
    children.push(child);
    const alive: Record<number, number> = {};
    opens.push(
      new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`a stream client exited (code ${code}) before its streams were open`)));
        void (async () => {
          for await (const line of createInterface({ input: child.stdout! })) {
            if (!line.startsWith('{')) continue;
            const message = JSON.parse(line) as { phase: string; user?: string; kind?: string; at?: number; opened?: number; ended?: number; statuses?: Record<string, number>; seconds?: number };
            if (message.phase === 'open') resolve(message as { opened: number; statuses: Record<string, number>; seconds: number });
            else if (message.phase === 'transition' && message.kind === 'brake_raised') arrivalsByUser.set(message.user!, [...(arrivalsByUser.get(message.user!) ?? []), message.at!]);
            else if (message.phase === 'alive') {
              alive[c] = message.ended!;
              ended = Object.values(alive).reduce((a, b) => a + b, 0);
            }
          }
        })();
      }),
    );
  }
  try {
    const opened = await Promise.all(opens);
    const openSeconds = round((performance.now() - started) / 1000, 1);
    const statuses: Record<string, number> = {};
    for (const o of opened) for (const [k, v] of Object.entries(o.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const openCount = opened.reduce((sum, o) => sum + o.opened, 0);
    say(`delivery: ${openCount} streams open in ${openSeconds} s (${JSON.stringify(statuses)}); gateway RSS ${before} MB before`);
    await delay(5_000);
    const open = rssMb(gatewayPid);
    say(`delivery: gateway RSS ${open} MB with the streams open`);

    // Transitions while every stream is open: drop uploads for some users (20 a second), each raising the brake.
    const count = Math.min(options.streamTransitions, users);
    const step = Math.floor(users / count);
    const chosen = Array.from({ length: count }, (_, k) => ids[k * step]!);
    const answeredAt = new Map<string, number>();
    const startedUploads = performance.now();
    const inFlight: Array<Promise<void>> = [];
    for (let k = 0; k < chosen.length; k += 1) {
      const wait = startedUploads + k * 50 - performance.now();
      if (wait > 0) await delay(wait);
      const id = chosen[k]!;
      inFlight.push(
        (async () => {
          const reply = await call(`${system.gatewayUrl}/api/v1/hrv/samples`, identity.token(id), 'POST', dropUpload()).catch(() => undefined);
          if (reply?.status === 200) answeredAt.set(id, Date.now());
        })(),
      );
    }
    await Promise.all(inFlight);
    await waitFor(() => [...answeredAt.keys()].every((id) => (arrivalsByUser.get(id)?.length ?? 0) >= options.streamsPerUser), 30_000);
    const all: number[] = [];
    const first: number[] = [];
    let complete = 0;
    for (const [id, t] of answeredAt) {
      const got = arrivalsByUser.get(id) ?? [];
      if (got.length > 0) first.push(Math.min(...got) - t);
      if (got.length >= options.streamsPerUser) {
        complete += 1;
        all.push(Math.max(...got) - t);
      }
    }
    await delay(1_000);
    return {
      wanted: users * options.streamsPerUser,
      opened: openCount,
      statuses,
      openSeconds,
      users,
      perUser: options.streamsPerUser,
      loadProcesses: processes,
      gatewayRssMb: { before, open, peak: Math.max(peak, rssMb(gatewayPid) || 0) },
      transitions: { users: count, complete, allStreamsMs: latency(all), firstStreamMs: latency(first) },
      endedEarly: ended,
      usage: window.stop(),
    };
  } finally {
    clearInterval(sampler);
    for (const child of children) {
      child.removeAllListeners('exit');
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    }
  }
}
