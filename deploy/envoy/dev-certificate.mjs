#!/usr/bin/env node
// The self-signed certificate Envoy serves under docker compose (https://localhost:8443): a P-256 key and a
// certificate for localhost, 127.0.0.1 and ::1, as tls.crt and tls.key, the names of a kubernetes.io/tls
// Secret (deploy/envoy/edge-certificate-sds.yaml reads the same names in both places).
//
//   node deploy/envoy/dev-certificate.mjs [dir]      # default .data/edge-tls; scripts/setup.mjs runs it
//
// Idempotent and fast when there is nothing to do: an existing pair that matches, names localhost and is valid
// for more than RENEW_WITHIN_DAYS is kept (Node's X509Certificate checks it, no process is started). Otherwise
// the `openssl` command writes a new pair (Debian's openssl package; setup installs it when it is missing).
// Only Node built-ins: it runs before `npm install` has.
//
// The key is readable by everyone (0644): Envoy runs as its image's user (65532), not as you, and this key
// vouches only for localhost on this machine. Never use it anywhere else.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DAYS = 365;
export const RENEW_WITHIN_DAYS = 30;
export const NAMES = ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'];
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultDir = path.join(root, '.data', 'edge-tls');

/** Why the pair in `dir` cannot be kept, or undefined when it can. */
export function staleReason(dir, now = new Date()) {
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) return 'missing';
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) return 'key does not match';
    const names = (cert.subjectAltName ?? '').split(', ');
    if (!NAMES.every((name) => names.includes(name))) return 'names changed';
    if (Date.parse(cert.validTo) - now.getTime() < RENEW_WITHIN_DAYS * 86_400_000) return 'expires soon';
    return undefined;
  } catch {
    return 'unreadable';
  }
}

/** Keeps a good pair in `dir` or writes a new one; returns what it did. */
export function ensureDevCertificate(dir = defaultDir) {
  const reason = staleReason(dir);
  if (reason === undefined) return 'kept';
  mkdirSync(dir, { recursive: true });
  // Written beside the target and moved in, so Envoy (or a reader) never sees a half-written pair.
  const work = mkdtempSync(path.join(dir, '.new-'));
  try {
    const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', String(DAYS),
        '-subj', '/CN=localhost', '-addext', san, '-addext', 'extendedKeyUsage=serverAuth',
        '-keyout', path.join(work, 'tls.key'), '-out', path.join(work, 'tls.crt')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    for (const name of ['tls.crt', 'tls.key']) {
      chmodSync(path.join(work, name), 0o644);
      renameSync(path.join(work, name), path.join(dir, name));
    }
  } catch (error) {
    const hint = error.code === 'ENOENT' ? ' (no openssl on the PATH: sudo apt-get install openssl)' : `: ${String(error.stderr ?? error.message).trim()}`;
    throw new Error(`could not create the development certificate in ${dir}${hint}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return reason === 'missing' ? 'created' : `renewed (${reason})`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? defaultDir);
  process.stdout.write(`${ensureDevCertificate(dir)}: ${path.relative(process.cwd(), dir) || dir}/tls.{crt,key}\n`);
}
