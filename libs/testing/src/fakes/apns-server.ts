import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http2, { type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { verifyJwt } from './jwt.ts';
import { makeTestCertificate } from './tls.ts';

export interface ApnsPushRecord {
  token: string;
  /** The :authority the client addressed (tells the sandbox host from the production one). */
  authority: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
  /** Real time of arrival (ms). */
  at: number;
}

/** What the fake answers a request for a token: a status with APNs' reason, or no answer at all. */
export type ApnsAnswer = { status: number; reason?: string; retryAfter?: string } | 'hang';

/**
 * A local APNs (HTTP/2 over TLS with a throwaway certificate) for the real @parse/node-apn client. It checks what
 * Apple checks — the ES256 provider token (kid, iss = team id, iat within the hour) against the public half of
 * the .p8 key it made, `:path /3/device/<token>`, apns-topic, apns-push-type, apns-priority (5 for background),
 * apns-expiration, apns-collapse-id ≤ 64 bytes, payload ≤ 4 KB — and records every push it accepts. Answers can
 * be scripted per token (`answer`) or for the next requests of any token (`answerNext`); `hang` never answers.
 */
export class FakeApns {
  readonly teamId = 'TEAM123456';
  readonly keyId = 'KEY1234567';
  readonly topic = 'com.omtobe.app';
  readonly accepted: ApnsPushRecord[] = [];
  /** Every request, accepted or not (token, real arrival time, status answered). */
  readonly requests: Array<{ token: string; at: number; status: number | 'hang' }> = [];
  keyFile!: string;
  caFile!: string;
  port!: number;
  private server!: Http2SecureServer;
  private publicKey!: KeyObject;
  private readonly perToken = new Map<string, ApnsAnswer[]>();
  private readonly next: ApnsAnswer[] = [];
  private readonly hanging = new Set<ServerHttp2Stream>();

  static async start(): Promise<FakeApns> {
    const fake = new FakeApns();
    const cert = makeTestCertificate();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fake.publicKey = publicKey;
    fake.keyFile = path.join(cert.dir, `AuthKey_${fake.keyId}.p8`);
    writeFileSync(fake.keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fake.caFile = cert.certFile;
    fake.server = http2.createSecureServer({ key: cert.keyPem, cert: cert.certPem });
    fake.server.on('stream', (stream, headers) => fake.handle(stream, headers));
    fake.server.on('session', (session) => session.on('error', () => undefined));
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The environment variables that point the service at this fake (the sandbox as `localhost`, production as 127.0.0.1). */
  env(): Record<string, string> {
    return {
      APNS_KEY_FILE: this.keyFile,
      APNS_KEY_ID: this.keyId,
      APNS_TEAM_ID: this.teamId,
      APNS_TOPIC: this.topic,
      APNS_HOST_PRODUCTION: '127.0.0.1',
      APNS_HOST_SANDBOX: 'localhost',
      APNS_PORT: String(this.port),
      APNS_CA_FILE: this.caFile,
    };
  }

  answer(token: string, ...answers: ApnsAnswer[]): void {
    this.perToken.set(token, [...(this.perToken.get(token) ?? []), ...answers]);
  }

  answerNext(...answers: ApnsAnswer[]): void {
    this.next.push(...answers);
  }

  pushesTo(token: string): ApnsPushRecord[] {
    return this.accepted.filter((p) => p.token === token);
  }

  requestsFor(token: string) {
    return this.requests.filter((r) => r.token === token);
  }

  /** Ends every hanging request (as a reset stream). */
  releaseHanging(): void {
    for (const stream of this.hanging) stream.close(http2.constants.NGHTTP2_CANCEL);
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('end', () => {
      const reply = (status: number, reason?: string, extra: Record<string, string> = {}) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': status, 'apns-id': randomUUID(), ...(reason ? { 'content-type': 'application/json' } : {}), ...extra });
        stream.end(reason ? JSON.stringify({ reason, ...(status === 410 ? { timestamp: Date.now() } : {}) }) : undefined);
      };
      const match = /^\/3\/device\/([0-9a-f]+)$/.exec(String(headers[':path']));
      const token = match?.[1] ?? '';
      const record = (status: number | 'hang') => this.requests.push({ token, at: Date.now(), status });
      if (headers[':method'] !== 'POST') return record(405), reply(405, 'MethodNotAllowed');
      if (!match) return record(404), reply(404, 'BadPath');
      const problem = this.check(headers, Buffer.concat(chunks));
      if (problem) return record(problem.status), reply(problem.status, problem.reason);
      const answer = this.next.shift() ?? this.perToken.get(token)?.shift() ?? { status: 200 };
      if (answer === 'hang') {
        record('hang');
        this.hanging.add(stream);
        return;
      }
      record(answer.status);
      if (answer.status === 200) {
        this.accepted.push({
          token,
          authority: String(headers[':authority']),
          headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('apns-')).map(([k, v]) => [k, String(v)])),
          payload: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          at: Date.now(),
        });
        return reply(200);
      }
      return reply(answer.status, answer.reason ?? 'InternalServerError', answer.retryAfter ? { 'retry-after': answer.retryAfter } : {});
    });
  }

  private check(headers: http2.IncomingHttpHeaders, body: Buffer): { status: number; reason: string } | undefined {
    const auth = String(headers.authorization ?? '');
    if (!auth.toLowerCase().startsWith('bearer ')) return { status: 403, reason: 'MissingProviderToken' };
    const jwt = verifyJwt(auth.slice('bearer '.length), this.publicKey, 'ES256');
    if (!jwt || jwt.header.kid !== this.keyId || jwt.payload.iss !== this.teamId) return { status: 403, reason: 'InvalidProviderToken' };
    const iat = Number(jwt.payload.iat);
    if (!(Math.abs(Date.now() / 1000 - iat) < 3600)) return { status: 403, reason: 'ExpiredProviderToken' };
    if (headers['apns-topic'] !== this.topic) return { status: 400, reason: 'TopicDisallowed' };
    const pushType = headers['apns-push-type'];
    if (pushType !== 'alert' && pushType !== 'background') return { status: 400, reason: 'InvalidPushType' };
    const priority = String(headers['apns-priority'] ?? '10');
    if (priority !== '10' && priority !== '5') return { status: 400, reason: 'BadPriority' };
    if (pushType === 'background' && priority !== '5') return { status: 400, reason: 'BadPriority' };
    if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(String(headers['apns-expiration']))) return { status: 400, reason: 'BadExpirationDate' };
    const collapse = headers['apns-collapse-id'];
    if (collapse !== undefined && Buffer.byteLength(String(collapse)) > 64) return { status: 400, reason: 'BadCollapseId' };
    if (body.length > 4096) return { status: 413, reason: 'PayloadTooLarge' };
    try {
      const payload = JSON.parse(body.toString('utf8')) as { aps?: Record<string, unknown> };
      if (!payload.aps) return { status: 400, reason: 'PayloadEmpty' };
    } catch {
      return { status: 400, reason: 'BadPayload' };
    }
    return undefined;
  }
}
