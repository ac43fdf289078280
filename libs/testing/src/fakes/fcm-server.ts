import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bearerOf, fakeToken, json, startFakeServer, type FakeServer } from './http-server.ts';
import { verifyJwt } from './jwt.ts';

export interface FcmPushRecord {
  token: string;
  message: Record<string, unknown>;
  at: number;
}

export type FcmAnswer = { status: 404 | 400 | 429 | 500 | 503 | 403; retryAfter?: string } | { status: 200 };

const errorStatus: Record<number, { status: string; errorCode?: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', errorCode: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' },
  403: { status: 'PERMISSION_DENIED', errorCode: 'SENDER_ID_MISMATCH', message: 'SenderId mismatch' },
  404: { status: 'NOT_FOUND', errorCode: 'UNREGISTERED', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', errorCode: 'QUOTA_EXCEEDED', message: 'Quota exceeded' },
  500: { status: 'INTERNAL', errorCode: 'INTERNAL', message: 'Internal error' },
  503: { status: 'UNAVAILABLE', errorCode: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
};

/**
 * A local FCM HTTP v1 for the real googleapis client: an OAuth token endpoint taking the JWT-bearer grant (the
 * assertion's RS256 signature checked against the service account it generated, iss = client_email, the
 * firebase.messaging scope) and `POST /v1/projects/<project>/messages:send` checking the bearer token it issued.
 * Answers per token are scriptable: 200 `{name}`, 404 UNREGISTERED, 400 INVALID_ARGUMENT on the token, 429 or
 * 503 with Retry-After.
 */
export class FakeFcm {
  readonly projectId = 'omtobe-test';
  readonly clientEmail = 'push@omtobe-test.iam.gserviceaccount.com';
  readonly accepted: FcmPushRecord[] = [];
  readonly requests: Array<{ token: string; at: number; status: number }> = [];
  serviceAccountFile!: string;
  server!: FakeServer;
  private publicKey!: KeyObject;
  private readonly accessTokens = new Set<string>();
  private readonly perToken = new Map<string, FcmAnswer[]>();
  tokenRequests = 0;

  static async start(): Promise<FakeFcm> {
    const fake = new FakeFcm();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake.publicKey = publicKey;
    fake.server = await startFakeServer((req, res) => {
      if (req.method === 'POST' && req.path === '/token') {
        const form = new URLSearchParams(req.body);
        const jwt = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' ? verifyJwt(form.get('assertion') ?? '', fake.publicKey, 'RS256') : undefined;
        if (!jwt || jwt.payload.iss !== fake.clientEmail || !String(jwt.payload.scope).includes('firebase.messaging')) return json(res, 400, { error: 'invalid_grant' });
        fake.tokenRequests += 1;
        const accessToken = fakeToken('fcm-access');
        fake.accessTokens.add(accessToken);
        return json(res, 200, { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' });
      }
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.path);
      if (req.method === 'POST' && send) {
        if (!fake.accessTokens.has(bearerOf(req) ?? '')) return json(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad credentials' } });
        if (send[1] !== fake.projectId) return json(res, 404, { error: { code: 404, status: 'NOT_FOUND', message: 'no such project' } });
        const message = (JSON.parse(req.body) as { message?: Record<string, unknown> }).message ?? {};
        const token = String(message.token ?? '');
        const answer = fake.perToken.get(token)?.shift() ?? { status: 200 };
        fake.requests.push({ token, at: Date.now(), status: answer.status });
        if (answer.status === 200) {
          fake.accepted.push({ token, message, at: Date.now() });
          return json(res, 200, { name: `projects/${fake.projectId}/messages/${randomUUID()}` });
        }
        const e = errorStatus[answer.status]!;
        const details = [
          { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: e.errorCode },
          ...(answer.status === 400 ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] }] : []),
        ];
        const retryAfter: Record<string, string> = 'retryAfter' in answer && answer.retryAfter ? { 'retry-after': answer.retryAfter } : {};
        return json(res, answer.status, { error: { code: answer.status, message: e.message, status: e.status, details } }, retryAfter);
      }
      return json(res, 404, { error: { code: 404, message: `no route ${req.method} ${req.path}` } });
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'omtobe-fcm-'));
    fake.serviceAccountFile = path.join(dir, 'service-account.json');
    writeFileSync(
      fake.serviceAccountFile,
      JSON.stringify({
        type: 'service_account',
        project_id: fake.projectId,
        private_key_id: 'test-key-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: fake.clientEmail,
        token_uri: `${fake.server.url}/token`,
      }),
    );
    return fake;
  }

  env(): Record<string, string> {
    return { FCM_SERVICE_ACCOUNT_FILE: this.serviceAccountFile, FCM_API_ROOT: `${this.server.url}/` };
  }

  answer(token: string, ...answers: FcmAnswer[]): void {
    this.perToken.set(token, [...(this.perToken.get(token) ?? []), ...answers]);
  }

  pushesTo(token: string): FcmPushRecord[] {
    return this.accepted.filter((p) => p.token === token);
  }

  requestsFor(token: string) {
    return this.requests.filter((r) => r.token === token);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
