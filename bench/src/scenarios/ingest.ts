import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { call, percentile, type BenchContext } from '../context.ts';
import { round, type Usage } from '../proc-stats.ts';
import { speedIndex, type Speed } from '../speed.ts';
import { userId } from '../seed.ts';

export interface IngestRun {
  offeredSamplesPerSecond: number;
  batchSize: number;
  users: number;
  uploadSeconds: number;
  uploads: number;
  samplesAccepted: number;
  /** Uploads not sent on time: every user of the cohort still had one waiting, or too many were in flight. */
  uploadsSkipped: number;
  /** Uploads answered with an error — mostly the gateway's 503 at its 3 s deadline, though integrations may still have stored them. */
  uploadErrors: number;
  uploadLatencyMs: { p50: number; p99: number };
  /**
   * Upload sent → the state engine's hrv_latest holds the batch's newest sample (polled every 100 ms, the 1,000
   * longest-waiting users each time). Batches still unreflected at the drain deadline count with the time
   * they had waited (a lower bound).
   */
  lagMs: { p50: number; p99: number; max: number; reflected: number; unresolved: number };
  /** Samples stored by integrations (accepted, or stored after the gateway gave up) and by the state engine. */
  samplesStored: { integrations: number; stateEngine: number };
  /** Samples the state engine stored / (first upload → the last of them stored, or the drain deadline). */
  sustainedSamplesPerSecond: number;
  /** Samples the state engine stored in each second of the run: its pace, and when it fell behind. */
  processedBySecond: number[];
  /** p50 lag (ms) of the uploads sent in each second: a climbing lag is a backlog that grows. */
  lagBySecond: number[];
  drainSeconds: number;
  drained: boolean;
  usage: Usage;
  speed: Speed;
}

export interface IngestResult {
  /** At the offered rate of the target. */
  atTarget: IngestRun;
  /** When that rate was not sustained: again at 80% of what was, with other users, to show the lag there. */
  belowCapacity?: IngestRun;
}

/** HealthKit batch uploads at a steady rate, and the lag until the state engine reflects each one. */
export async function runIngest(ctx: BenchContext, population: number): Promise<IngestResult> {
  const { options } = ctx;
  const users = Math.min(options.ingestUsers, Math.floor(population / 2));
  const cohort = (offset: number) => Array.from({ length: users }, (_, i) => userId('u', population - 1 - offset - i));
  const atTarget = await ingestRun(ctx, cohort(0), options.ingestRate, options.ingestSeconds);
  // Not after a run that left a backlog behind: the second would measure that backlog's drain.
  if (options.quick || atTarget.sustainedSamplesPerSecond >= 0.95 * options.ingestRate || !atTarget.drained) return { atTarget };
  const rate = Math.max(options.ingestBatch, Math.round((0.8 * atTarget.sustainedSamplesPerSecond) / options.ingestBatch) * options.ingestBatch);
  return { atTarget, belowCapacity: await ingestRun(ctx, cohort(users), rate, options.ingestSeconds) };
}

async function ingestRun(ctx: BenchContext, cohort: readonly string[], rate: number, seconds: number): Promise<IngestRun> {
  const { options, system, monitor, identity } = ctx;
  const batch = options.ingestBatch;
  const tokens = new Map(cohort.map((id) => [id, identity.token(id)]));
  const pool = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
  // Uploaded samples are measured seconds before they are sent; every seeded sample is minutes older. Both
  // counts are index range scans on measured_at, cheap enough to take every second.
  const since = new Date(Date.now() - 5_000);
  const count = async () => {
    const { rows } = await pool.query<{ integrations: number; state_engine: number }>(
      `select (select count(*)::int from integrations.hrv_samples where measured_at >= $1) as integrations,
              (select count(*)::int from state_engine.hrv_samples where measured_at >= $1) as state_engine`,
      [since],
    );
    return { integrations: rows[0]!.integrations, stateEngine: rows[0]!.state_engine };
  };
  const base = await count(); // the end of an earlier run may fall in the same seconds
  const stored = async () => {
    const now = await count();
    return { integrations: now.integrations - base.integrations, stateEngine: now.stateEngine - base.stateEngine };
  };

  const pending = new Map<string, { newest: number; sentAt: number; second: number }>();
  const lags: number[] = [];
  const lagsBySecond: number[][] = [];
  const uploadLatencies: number[] = [];
  const totals = { uploads: 0, accepted: 0, skipped: 0, errors: 0, inFlight: 0 };

  const upload = async (id: string, second: number) => {
    const now = Date.now();
    const samples = Array.from({ length: batch }, (_, m) => {
      const end = new Date(now - (batch - 1 - m) * 100);
      return { uuid: randomUUID(), start: new Date(end.getTime() - 60_000).toISOString(), end: end.toISOString(), value: 40 + Math.round(Math.random() * 200) / 10, unit: 'ms', source_device: 'Apple Watch' };
    });
    const sentAt = performance.now();
    pending.set(id, { newest: now, sentAt, second });
    totals.inFlight += 1;
    try {
      const reply = await call(`${system.gatewayUrl}/api/v1/hrv/samples`, tokens.get(id)!, 'POST', { samples });
      uploadLatencies.push(performance.now() - sentAt);
      const results = (reply.body.results ?? []) as Array<{ outcome: string }>;
      if (reply.status !== 200 || results.some((r) => r.outcome !== 'accepted')) throw new Error(`upload answered ${reply.status}`);
      totals.uploads += 1;
      totals.accepted += results.length;
    } catch {
      totals.errors += 1;
      pending.delete(id);
    } finally {
      totals.inFlight -= 1;
    }
  };

  let stop = false;
  const lagPoller = (async () => {
    while (!stop) {
      // Map order is insertion order: the longest-waiting users first.
      const waiting = [...pending.keys()].slice(0, 1_000);
      if (waiting.length > 0) {
        const { rows } = await pool.query<{ user_id: string; measured_at: Date }>(
          `select user_id, measured_at from state_engine.hrv_latest where metric = 'sdnn' and user_id = any($1::text[])`,
          [waiting],
        );
        const seenAt = performance.now();
        for (const row of rows) {
          const p = pending.get(row.user_id);
          if (!p || row.measured_at.getTime() < p.newest) continue;
          pending.delete(row.user_id);
          lags.push(seenAt - p.sentAt);
          (lagsBySecond[p.second] ??= []).push(seenAt - p.sentAt);
        }
      }
      await delay(100);
    }
  })();
  const processedBySecond: number[] = [];
  let lastStored = { integrations: 0, stateEngine: 0 };
  let caughtUpAt = 0;
  const counter = (async () => {
    while (!stop) {
      await delay(1_000);
      const now = await stored();
      processedBySecond.push(now.stateEngine - lastStored.stateEngine);
      if (now.stateEngine > lastStored.stateEngine) caughtUpAt = performance.now();
      lastStored = now;
    }
  })();

  ctx.say(`ingest: ${rate} samples/s offered as ${round(rate / batch, 1)} uploads/s of ${batch}, ${cohort.length} users, ${seconds} s`);
  const speedBefore = speedIndex();
  const window = monitor.window();
  const started = performance.now();
  const uploads: Array<Promise<void>> = [];
  let sent = 0;
  let cursor = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * (rate / batch));
    for (; sent < due; sent += 1) {
      const index = nextFree(cohort, pending, cursor);
      if (index === undefined || totals.inFlight >= 512) {
        totals.skipped += 1;
        continue;
      }
      cursor = index + 1;
      uploads.push(upload(cohort[index]!, Math.floor((performance.now() - started) / 1000)));
    }
    await delay(5);
  }
  const uploadSeconds = (performance.now() - started) / 1000;
  await Promise.all(uploads);
  // Drained: every batch reflected, and the state engine holds every sample integrations stored.
  const deadline = performance.now() + (options.quick ? 20_000 : 60_000);
  let final = await stored();
  while ((pending.size > 0 || final.stateEngine < final.integrations) && performance.now() < deadline) {
    await delay(500);
    final = await stored();
  }
  const drained = pending.size === 0 && final.stateEngine >= final.integrations;
  stop = true;
  await Promise.all([lagPoller, counter]);
  const usage = window.stop();
  const drainSeconds = (performance.now() - started) / 1000 - uploadSeconds;
  await pool.end();

  const unresolved = [...pending.values()].map((p) => performance.now() - p.sentAt);
  const everyLag = [...lags, ...unresolved];
  const spanSeconds = ((drained ? caughtUpAt : performance.now()) - started) / 1000;
  return {
    offeredSamplesPerSecond: rate,
    batchSize: batch,
    users: cohort.length,
    uploadSeconds: round(uploadSeconds, 1),
    uploads: totals.uploads,
    samplesAccepted: totals.accepted,
    uploadsSkipped: totals.skipped,
    uploadErrors: totals.errors,
    uploadLatencyMs: { p50: round(percentile(uploadLatencies, 50)), p99: round(percentile(uploadLatencies, 99)) },
    lagMs: { p50: round(percentile(everyLag, 50)), p99: round(percentile(everyLag, 99)), max: round(Math.max(...everyLag, 0)), reflected: lags.length, unresolved: unresolved.length },
    samplesStored: final,
    sustainedSamplesPerSecond: round(final.stateEngine / Math.max(spanSeconds, uploadSeconds), 0),
    processedBySecond,
    lagBySecond: lagsBySecond.map((l) => round(percentile(l, 50), 0)),
    drainSeconds: round(drainSeconds, 1),
    drained,
    usage,
    speed: { before: speedBefore, after: speedIndex() },
  };
}

/** The index of the next user from `cursor` on (round robin) with no upload waiting to be reflected. */
function nextFree(cohort: readonly string[], pending: ReadonlyMap<string, unknown>, cursor: number): number | undefined {
  for (let i = 0; i < cohort.length; i += 1) {
    const index = (cursor + i) % cohort.length;
    if (!pending.has(cohort[index]!)) return index;
  }
  return undefined;
}
