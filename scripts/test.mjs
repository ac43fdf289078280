#!/usr/bin/env node
// `npm test`: every check CI runs, cheapest first, stopping at the first failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const jestArgs = process.argv.slice(2);

function step(title, cmd, args, extraEnv = {}) {
  const started = Date.now();
  process.stderr.write(`\n=== ${title}\n`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stderr.write(`=== FAILED: ${title} (${seconds}s)\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`=== ok: ${title} (${seconds}s)\n`);
}

function hasCommit(ref) {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', ref], { cwd: root }).status === 0;
}

step('buf lint', 'buf', ['lint']);
if (hasCommit('HEAD~1')) {
  step('buf breaking (against the previous commit)', 'buf', ['breaking', '--against', '.git#ref=HEAD~1']);
}
const generated = mkdtempSync(join(tmpdir(), 'omtobe-gen-'));
try {
  step('generated code matches proto/ (buf generate)', 'buf', ['generate', '-o', generated]);
  step('no drift in libs/proto/src/gen', 'diff', ['-r', join(generated, 'libs/proto/src/gen'), 'libs/proto/src/gen']);
} finally {
  rmSync(generated, { recursive: true, force: true });
}
step('lint', 'nx', ['run-many', '-t', 'lint', '--parallel=2', '--outputStyle=static']);
// Every import graph of the workspace, type-only imports included: a cycle fails (dpdm prints the loop).
step('no import cycles (dpdm)', 'dpdm', [
  '--no-tree',
  '--no-warning',
  '--progress=false',
  '--exit-code',
  'circular:1',
  '--tsconfig',
  'tsconfig.base.json',
  ...['libs/*/src', 'services/*/src', 'services/*/test', 'tools/*/src', 'bench/src', 'e2e/src'].map((dir) => `${dir}/**/*.ts`),
]);
step('type check', 'nx', ['run-many', '-t', 'typecheck', '--parallel=2', '--outputStyle=static']);
step('tests (jest: every project, one PostgreSQL and one broker)', 'node', [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  // kafkajs 2.2.4 sets negative timers on Node 24: harmless, and noisy.
  '--disable-warning=TimeoutNegativeWarning',
  join(root, 'node_modules/jest/bin/jest.js'),
  '--ci',
  ...jestArgs,
]);
// The core of the fault suite (tools/chaos): its own PostgreSQL, broker and services, after jest has finished
// with the shared ones. Missed time targets are reported, not failed (speed is for `npm run bench`/`chaos`);
// anything acknowledged and lost or doubled, or an answer other than 2xx/503, fails.
if (jestArgs.length === 0) step('fault suite (npm run chaos -- --quick)', 'node', [join(root, 'tools/chaos/src/main.ts'), '--quick', '--report-targets']);
