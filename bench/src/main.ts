// `npm run bench`: starts the system as `npm start` does (on a throwaway database), seeds users, drives load
// from separate processes, and writes bench/results/<timestamp>.json and .md. See bench/README.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeApns } from '@omtobe/testing/fakes';
import type { BenchContext } from './context.ts';
import { evaluateCorrectness, exitCode, failedChecks } from './correctness.ts';
import { parseOptions } from './options.ts';
import { ProcessMonitor, round } from './proc-stats.ts';
import { summariseProfiles } from './profile-summary.ts';
import { evaluateTargets, markdown, type BenchReport } from './report.ts';
import { runCheckAtScale, type CheckAtScale } from './scenarios/check.ts';
import { runDecide, type DecideResult } from './scenarios/decide.ts';
import { deliveryEnv, runDelivery, type DeliveryResult } from './scenarios/delivery.ts';
import { runIngest, type IngestResult } from './scenarios/ingest.ts';
import { seedCohort } from './seed.ts';
import { speedIndex } from './speed.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { startBenchIdentity } from './tokens.ts';
import { benchZones } from './zones.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const say = (line: string) => process.stdout.write(`\x1b[1mbench\x1b[0m         | ${line}\n`);
const options = parseOptions(process.argv.slice(2), process.env);
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
const resultsDir = path.join(root, 'bench', 'results');
const tempDir = await mkdtemp(path.join(os.tmpdir(), 'omtobe-bench-'));
const profileDir = options.profile ? path.join(resultsDir, `${stamp}.profiles.tmp`) : undefined;

const phases: BenchReport['phases'] = [];
let system: RunningSystem | undefined;
/** Times one phase; a service that dies fails it at once. */
async function phase<T>(name: string, work: () => Promise<T>, raceCrash = true): Promise<T> {
  const started = performance.now();
  say(`── ${name}`);
  const result = await (system && raceCrash ? Promise.race([work(), system.crashed]) : work());
  phases.push({ phase: name, seconds: round((performance.now() - started) / 1000, 1) });
  return result;
}

const identity = await startBenchIdentity({ issuer: 'omtobe-bench', audience: 'omtobe-app', ttlSeconds: 6 * 3600 });
// The delivery scenario's APNs: a local fake (HTTP/2 over TLS) in this process, which integrations is pointed at
// and trusts (FakeApns.env(): APNS_HOST_*, APNS_PORT, APNS_CA_FILE, the .p8 key); it timestamps every push.
const apns = options.scenarios.has('delivery') ? await FakeApns.start() : undefined;
let stopping: Promise<void> | undefined;
const shutdown = () =>
  (stopping ??= (async () => {
    await system?.stop().catch((e: Error) => say(`stopping the system failed: ${e.message}`));
    await identity.close();
    await apns?.close();
    if (!options.keepTemp) await rm(tempDir, { recursive: true, force: true });
  })());
process.on('SIGINT', () => void shutdown().then(() => process.exit(130)));

const check: CheckAtScale[] = [];
let ingest: IngestResult | undefined;
let decide: DecideResult | undefined;
let delivery: DeliveryResult | undefined;
let deliveryFinished = false;
let failure: Error | undefined;
let referenceSpeed = 0;
try {
  if (profileDir) await mkdir(profileDir, { recursive: true });
  system = await phase('start the system', () =>
    startSystem({ root, tempDir, jwks: { url: identity.jwksUrl, issuer: identity.issuer, audience: identity.audience }, mocks: options.mocks, nodeArgs: options.nodeArgs, say,
      ...(apns ? { env: { ...apns.env(), ...deliveryEnv(options) } } : {}), ...(profileDir ? { profileDir } : {}) }),
  );
  const monitor = new ProcessMonitor();
  for (const [name, pid] of Object.entries(system.pids())) monitor.name(pid, name);
  const zones = benchZones(new Date());
  referenceSpeed = speedIndex(9);
  const ctx: BenchContext = { options, system, monitor, identity, tempDir, zones, referenceSpeed, say };
  say(`zones: ${zones.join(', ')}; machine speed index ${referenceSpeed}`);

  let seeded = 0;
  const wantsCheck = options.scenarios.has('check') || options.scenarios.has('floor');
  // Only check, floor and ingest use the common cohort; decide and delivery seed their own.
  for (const users of wantsCheck ? options.users : options.scenarios.has('ingest') ? [options.users.at(-1)!] : []) {
    await phase(`seed users ${seeded}–${users - 1}`, () =>
      seedCohort(system!.databaseUrl, { prefix: 'u', from: seeded, to: users }, { now: new Date(), zones, samplesPerDay: options.samplesPerDay }),
    );
    seeded = users;
    if (wantsCheck) check.push(await phase(`check and floor @ ${users} users`, () => runCheckAtScale(ctx, users, users === options.users[0], users === options.users.at(-1))));
  }
  if (options.scenarios.has('ingest')) ingest = await phase('ingest', () => runIngest(ctx, seeded));
  // Before decide, which moves every service's clock forward (delivery times pushes against the wall clock).
  if (options.scenarios.has('delivery')) {
    // Filled in as it goes: what was measured before a failure (a service dying) is still reported.
    delivery = { envOverrides: deliveryEnv(options), seedSeconds: 0 };
    await phase('delivery', () => runDelivery(ctx, apns!, delivery!));
    deliveryFinished = true;
  }
  if (options.scenarios.has('decide')) decide = await phase('decide', () => runDecide(ctx));
} catch (error) {
  failure = error as Error;
  if (delivery && !deliveryFinished) delivery.failure = failure.message;
  say(`benchmark failed: ${failure.stack ?? failure.message}`);
}
// Not raced with a crash: after one, `crashed` has rejected already, and racing it would leave the services
// running and write no report.
await phase('stop the system', shutdown, false);

const report: BenchReport = {
  startedAt: startedAt.toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  options: { ...options, scenarios: [...options.scenarios] },
  phases,
  referenceSpeed,
  check,
  ...(ingest ? { ingest } : {}),
  ...(decide ? { decide } : {}),
  ...(delivery ? { delivery } : {}),
  targets: evaluateTargets(check, ingest, decide, delivery),
  correctness: evaluateCorrectness(check, decide),
  ...(profileDir ? { profiles: await summariseProfiles(profileDir, root) } : {}),
};
await mkdir(resultsDir, { recursive: true });
await writeFile(path.join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
const table = markdown(report);
await writeFile(path.join(resultsDir, `${stamp}.md`), table);
process.stdout.write(`\n${table}`);
if (report.profiles) {
  for (const p of report.profiles) {
    process.stdout.write(`\n${p.service} (${p.busySeconds} s busy): ${p.byOwner.map((o) => `${o.owner} ${o.percent}%`).join(', ')}\n`);
    for (const f of p.topFunctions) process.stdout.write(`  ${f.percent}%  ${f.fn}\n`);
  }
  say(`profiles: ${profileDir}`);
}
say(`report: bench/results/${stamp}.json and .md`);
// Speed targets are reported, met or missed; a wrong answer (or a run that stopped) fails.
const wrong = failedChecks(report.correctness);
for (const c of wrong) say(`correctness check failed: ${c.check}: ${c.value}`);
process.exit(exitCode(failure !== undefined, report.correctness));
