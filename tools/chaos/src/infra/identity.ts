import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The run's identity provider: an ES256 key and its JWKS over HTTP. The gateways verify its tokens as they
 * would a real provider's (JWKS_URL), so a token stays valid across gateway restarts and on every gateway
 * replica — the development issuer's key is made per process, which a restart or a second replica breaks.
 */
export interface Identity {
  jwksUrl: string;
  issuer: string;
  token(userId: string): string;
  close(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const ttlSeconds = 6 * 3600;

export async function startIdentity(issuer = 'omtobe-chaos', audience = 'omtobe-app'): Promise<Identity> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'chaos-1';
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    issuer,
    token: (userId) => signToken(privateKey, header, { sub: userId, iss: issuer, aud: audience }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signToken(key: KeyObject, header: string, claims: { sub: string; iss: string; aud: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(JSON.stringify({ ...claims, iat: now - 5, exp: now + ttlSeconds }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${base64url(signature)}`;
}
