import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

/**
 * A stand-in identity provider for tests: a JWKS served over HTTP (the gateway fetches it like a real one)
 * and tokens signed with its key — valid, expired, for another audience or issuer — or with a stranger's key.
 * With `tls` (a certificate for 127.0.0.1, e.g. @omtobe/testing/fakes makeTestCertificate) the JWKS is served over
 * HTTPS, as production requires; the gateway then trusts it through NODE_EXTRA_CA_CERTS.
 */
export interface TestIdentityProvider {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** How often the JWKS was fetched (a verifier that never asked did not verify against it). */
  jwksFetches(): number;
  /** `foreignKey`: signed with a key the JWKS does not hold; `kid`: the key id in the header (default the JWKS's own). */
  token(sub: string, options?: { expiresInSeconds?: number; audience?: string; issuer?: string; foreignKey?: boolean; kid?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIdentityProvider(options: { tls?: { keyPem: string; certPem: string } } = {}): Promise<TestIdentityProvider> {
  const own = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(own.publicKey)), kid: 'test-1', alg: 'ES256', use: 'sig' }] });
  let fetches = 0;
  const serve: http.RequestListener = (_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwks);
  };
  const server = options.tls ? https.createServer({ key: options.tls.keyPem, cert: options.tls.certPem }, serve) : http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = 'https://id.test.omtobe';
  const audience = 'omtobe-app';
  return {
    jwksUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    issuer,
    audience,
    jwksFetches: () => fetches,
    async token(sub, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const key: CryptoKey = options.foreignKey ? stranger.privateKey : own.privateKey;
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'test-1' })
        .setSubject(sub)
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now - 10)
        .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
        .sign(key);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
