import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's identity provider: an ES256 key, its JWKS served over HTTP (the gateway is started with
 * JWKS_URL pointing here and verifies exactly as it does a real provider's tokens), and tokens signed
 * locally — 100,000 of them take a few seconds, where the development issuer would take an HTTP call each.
 */
export interface BenchIdentity {
  jwksUrl: string;
  issuer: string;
  audience: string;
  token(userId: string): string;
  /** Writes one token per line for the given users (the load generator reads the file). */
  writeTokens(file: string, userIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startBenchIdentity(options: { issuer: string; audience: string; ttlSeconds: number }): Promise<BenchIdentity> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'bench-1';
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
  const token = (userId: string) => signToken(privateKey, header, userId, options);
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    issuer: options.issuer,
    audience: options.audience,
    token,
    async writeTokens(file, userIds) {
      await writeFile(file, userIds.map(token).join('\n'));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signToken(key: KeyObject, header: string, sub: string, options: { issuer: string; audience: string; ttlSeconds: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(JSON.stringify({ sub, iss: options.issuer, aud: options.audience, iat: now - 5, exp: now + options.ttlSeconds }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${base64url(signature)}`;
}
