// `npm run chaos`: the fault suite. Starts its own PostgreSQL, broker and services, drives simulated apps
// against the gateway, breaks things (processes, the database, the broker, a replica) and checks that
// every acknowledged write is kept exactly once and that the app only ever sees 2xx or a proper 503.
// Prints a table per scenario and, last, `N passed, M failed`; exits non-zero when any failed.
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext } from './context.ts';
import { startIdentity } from './infra/identity.ts';
import { LogFileProcessGroup } from './infra/log-file-group.ts';
import { startRestartablePostgres } from './infra/postgres.ts';
import { parseOptions, usage } from './options.ts';
import { markdown, scenarioTable, summaryTable } from './report.ts';
import { allScenarios } from './scenarios/index.ts';
import { targetFailures, type ScenarioOutcome, type ScenarioResult } from './scenarios/scenario.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const options = parseOptions(process.argv.slice(2));
if (options === 'help') {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (options.list) {
  process.stdout.write(`${allScenarios.map((s) => `${s.name}${s.core ? ' (core)' : ''}`).join('\n')}\n`);
  process.exit(0);
}
const unknown = options.scenarios.filter((name) => !allScenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const selected = allScenarios.filter((s) => (options.scenarios.length > 0 ? options.scenarios.includes(s.name) : !options.quick || s.core));

const startedAt = new Date();
// Searchable by the `postgres` OS user, which runs PostgreSQL when we are root (mkdtemp makes it 0700).
const runDir = await mkdtemp(path.join(os.tmpdir(), 'omtobe-chaos-'));
await chmod(runDir, 0o755);
const logDir = path.join(runDir, 'logs');
await mkdir(logDir);
const chaosLog = path.join(logDir, 'chaos.log');
const say = (line: string) => {
  process.stdout.write(`\x1b[1mchaos\x1b[0m | ${line}\n`);
  appendFileSync(chaosLog, `${new Date().toISOString()} ${line}\n`);
};
say(`${selected.length} scenarios${options.quick ? ' (--quick)' : ''}; service logs in ${logDir}`);

const postgres = await startRestartablePostgres(path.join(runDir, 'postgres'), path.join(logDir, 'postgres.log'));
const identity = await startIdentity();
const ctx = createContext({ root, runDir, logDir, quick: options.quick, postgres, identity, say });
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    await ctx.stopStack().catch((e: Error) => say(`stopping the stack failed: ${e.message}`));
    await postgres.stop().catch(() => undefined);
    await identity.close();
    // The logs stay for diagnosis; the database files do not.
    await rm(path.join(runDir, 'postgres'), { recursive: true, force: true });
  })());
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));
process.on('exit', () => LogFileProcessGroup.killEverything());

const results: ScenarioResult[] = [];
for (const scenario of selected) {
  say(`── ${scenario.name}`);
  const started = performance.now();
  let result: ScenarioOutcome;
  try {
    result = await scenario.run(ctx);
  } catch (error) {
    result = { figures: [], failures: [`aborted: ${(error as Error).stack ?? String(error)}`] };
  }
  const failures = [...result.failures, ...targetFailures(result.figures, options.reportTargets)];
  const done: ScenarioResult = { ...result, failures, name: scenario.name, passed: failures.length === 0, seconds: (performance.now() - started) / 1000 };
  results.push(done);
  process.stdout.write(`\n${scenarioTable(done)}\n`);
  for (const failure of done.failures) process.stdout.write(`  ✗ ${failure}\n`);
  process.stdout.write('\n');
}
await cleanUp();

// A run of `npm test` (--report-targets) keeps its figures with its logs: only chosen runs land in results/.
const resultsDir = options.reportTargets ? runDir : path.join(root, 'tools', 'chaos', 'results');
await mkdir(resultsDir, { recursive: true });
const resultsFile = path.join(resultsDir, `${startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}.md`);
await writeFile(resultsFile, markdown(results, { startedAt, quick: options.quick, logDir }));
const failed = results.filter((r) => !r.passed).length;
process.stdout.write(`${summaryTable(results)}\n\nfigures: ${options.reportTargets ? resultsFile : path.relative(root, resultsFile)}; service logs: ${logDir}\n`);
process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
