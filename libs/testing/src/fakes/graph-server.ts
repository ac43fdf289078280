import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import https, { type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { bearerOf, fakeToken, json, type RecordedRequest } from './http-server.ts';
import { makeTestCertificate } from './tls.ts';

/** One calendar event as the fake holds it; times are instants. */
export interface FakeGraphEvent {
  id: string;
  subject: string;
  start?: Date;
  end?: Date;
  isAllDay?: boolean;
  isCancelled?: boolean;
}

/** Our notification endpoint as the fake reaches it (the test points it at the service's handler). */
export type GraphEndpoint = (request: { query: URLSearchParams; body: string }) => Promise<{ status: number; contentType: string; body: string }>;

export interface FakeSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState: string;
  expirationDateTime: string;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

interface Stored {
  event: FakeGraphEvent;
  version: number;
  deleted: boolean;
}

/** A delta listing in progress or finished: what its links encode. */
interface Cursor {
  window: { start: number; end: number };
  /** Changes after this version (0: a first listing of everything live in the window). */
  since: number;
  snapshot: number;
  offset: number;
}

const minute = 60_000;
/** Outlook event subscriptions live at most 4,230 minutes (learn.microsoft.com/graph/change-notifications-overview). */
export const outlookMaxSubscriptionMs = 4230 * minute;
/** Without `Prefer: outlook.timezone`, the fake writes times in this mailbox zone (a fixed UTC−8 here). */
const mailboxZone = { name: 'Pacific Standard Time', offsetMs: -8 * 60 * minute };

/** Graph's dateTimeTimeZone: a local date-time without offset (7 fractional digits) plus the zone it is in. */
function dateTimeTimeZone(at: Date, zone: { name: string; offsetMs: number }): { dateTime: string; timeZone: string } {
  return { dateTime: new Date(at.getTime() + zone.offsetMs).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$10000'), timeZone: zone.name };
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decode = (token: string): Cursor | undefined => {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
  } catch {
    return undefined;
  }
};

/**
 * A local Microsoft identity platform + Microsoft Graph over HTTPS (a throwaway certificate: the Graph client sends
 * the bearer token only to https hosts and follows absolute links only when they are https), enough for the real
 * `@azure/msal-node` and `@microsoft/microsoft-graph-client`:
 *
 * - identity: OpenID metadata at `/{tenant}/v2.0/.well-known/openid-configuration`; the token endpoint takes an
 *   authorization code with its PKCE S256 verifier and redirect URI (a code is spent by its first exchange), and a
 *   refresh token — **rotated**: the old one is refused (`invalid_grant`) once a new one is issued; `revokeGrants()`
 *   refuses them all.
 * - `GET /v1.0/me/calendarView/delta`: the first call needs `startDateTime` + `endDateTime`; pages of `pageSize` with an
 *   absolute `@odata.nextLink`, the last with an `@odata.deltaLink`; a delta round returns what changed since, a deleted
 *   event (or one moved out of the window) as `{ id, '@removed': { reason: 'deleted' } }`; `invalidateDeltaTokens()`
 *   makes every delta link answer 410 Gone; `throttleNext()` answers 429/503 with Retry-After. Times are in the
 *   mailbox's zone unless `Prefer: outlook.timezone="UTC"` is sent.
 * - `/v1.0/subscriptions`: POST validates the notification URL first (the validation handshake against `endpoint`,
 *   10 s), caps the expiration at the Outlook maximum; PATCH renews (recorded), DELETE removes.
 * - Deliveries to `endpoint`: change notifications, lifecycle notifications and a bare validation handshake.
 *
 * Time is `now()`: tests point it at their clock.
 */
export class FakeGraph {
  readonly clientId = 'graph-client-id';
  readonly clientSecret = 'graph-client-secret';
  readonly tenant = 'common';
  /** The account's object id and tenant (client_info's uid.utid). */
  readonly userObjectId = '00000000-0000-0000-66f3-3332eca7ea81';
  readonly tenantId = '9188040d-6c67-4c5b-b112-36a304b66dad';
  readonly caPem: string;
  readonly requests: RecordedRequest[] = [];
  pageSize = 2;
  now: () => Date = () => new Date();
  /** Where notifications and validation requests go. */
  endpoint: GraphEndpoint | undefined;
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly renewals: Array<{ id: string; at: Date; expirationDateTime: string }> = [];
  readonly deletedSubscriptions: string[] = [];
  /** Refresh tokens issued, oldest first (the last one is the only one that works). */
  readonly refreshTokensIssued: string[] = [];
  private port = 0;
  private version = 0;
  private oldestValidDelta = 0;
  private readonly events = new Map<string, Stored>();
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>();
  private readonly accessTokens = new Map<string, boolean>();
  private readonly refreshTokens = new Set<string>();
  private readonly throttles: Array<{ status: 429 | 503; retryAfter?: string }> = [];

  private server!: Server;

  private constructor(caPem: string) {
    this.caPem = caPem;
  }

  static async start(): Promise<FakeGraph> {
    const cert = makeTestCertificate();
    const fake = new FakeGraph(cert.certPem);
    const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, async (incoming, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const url = new URL(incoming.url ?? '/', 'https://fake');
      const req: RecordedRequest = { method: incoming.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') };
      fake.requests.push(req);
      try {
        await fake.handle(req, res);
      } catch (error) {
        json(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
      }
    });
    fake.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The authority msal is pointed at, and the host it must know (knownAuthorities). */
  get authority(): string {
    return `${this.url}/${this.tenant}`;
  }

  get authorityHost(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The user consents: a code bound to the URL's PKCE challenge and redirect URI. */
  issueCode(authorizationUrl: URL): string {
    const challenge = authorizationUrl.searchParams.get('code_challenge');
    if (authorizationUrl.searchParams.get('code_challenge_method') !== 'S256' || !challenge) throw new Error('authorization URL without a PKCE S256 challenge');
    const code = fakeToken('graph-code');
    this.codes.set(code, { challenge, redirectUri: authorizationUrl.searchParams.get('redirect_uri') ?? '' });
    return code;
  }

  put(event: FakeGraphEvent): void {
    this.version += 1;
    this.events.set(event.id, { event: { ...event }, version: this.version, deleted: false });
  }

  delete(id: string): void {
    this.version += 1;
    const held = this.events.get(id);
    this.events.set(id, { event: held?.event ?? { id, subject: '' }, version: this.version, deleted: true });
  }

  /** Every delta link handed out so far answers 410 Gone from now on. */
  invalidateDeltaTokens(): void {
    this.oldestValidDelta = this.version + 1;
  }

  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, false);
  }

  revokeGrants(): void {
    this.refreshTokens.clear();
    this.expireAccessTokens();
  }

  /** The next Graph API calls answer these statuses, with a Retry-After when given. */
  throttleNext(...answers: Array<{ status: 429 | 503; retryAfter?: string }>): void {
    this.throttles.push(...answers);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Forgets events, grants, subscriptions, queued answers and requests. */
  reset(): void {
    this.events.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.refreshTokensIssued.length = 0;
    this.subscriptions.clear();
    this.renewals.length = 0;
    this.deletedSubscriptions.length = 0;
    this.throttles.length = 0;
    this.requests.length = 0;
    this.pageSize = 2;
    this.oldestValidDelta = this.version + 1;
    this.endpoint = undefined;
  }

  /** Graph's validation handshake: POST `?validationToken=…` with no body; the answer must be 200 text/plain echoing the token within 10 s. */
  async validate(): Promise<{ ok: boolean; answer: { status: number; contentType: string; body: string } }> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const answer = await this.post(new URLSearchParams({ validationToken: token }), '');
    const ok = answer.status === 200 && answer.contentType.split(';')[0]!.trim() === 'text/plain' && answer.body === token;
    return { ok, answer };
  }

  /** A change notification for the subscription (the latest by default), as Graph posts it. `clientState` may be forged. */
  notifyChange(options: { subscriptionId?: string; eventId?: string; clientState?: string } = {}) {
    const sub = this.subscription(options.subscriptionId);
    const eventId = options.eventId ?? 'AAMkAGI2TGuLAAA=';
    return this.post(new URLSearchParams(), JSON.stringify({
      value: [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType: 'updated',
        resource: `Users/${this.userObjectId}/Events/${eventId}`,
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/${this.userObjectId}/Events/${eventId}`, id: eventId },
        clientState: options.clientState ?? sub.clientState,
        tenantId: this.tenantId,
      }],
    }));
  }

  /** A lifecycle notification (to lifecycleNotificationUrl), as Graph posts it. */
  notifyLifecycle(lifecycleEvent: LifecycleEvent, options: { subscriptionId?: string; clientState?: string } = {}) {
    const sub = this.subscription(options.subscriptionId);
    if (lifecycleEvent === 'subscriptionRemoved') this.subscriptions.delete(sub.id);
    return this.post(new URLSearchParams(), JSON.stringify({
      value: [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        tenantId: this.tenantId,
        clientState: options.clientState ?? sub.clientState,
        lifecycleEvent,
      }],
    }));
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private subscription(id: string | undefined): FakeSubscription {
    const sub = id ? this.subscriptions.get(id) : [...this.subscriptions.values()].at(-1);
    if (!sub) throw new Error('no such subscription');
    return sub;
  }

  private async post(query: URLSearchParams, body: string): Promise<{ status: number; contentType: string; body: string }> {
    if (!this.endpoint) throw new Error('FakeGraph.endpoint is not set');
    let timer: NodeJS.Timeout | undefined;
    // Graph gives the validation request 10 s (and a notification 3 s before it counts as slow); a deadline, not a wait.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the endpoint did not answer within 10 s')), 10_000);
    });
    try {
      return await Promise.race([this.endpoint({ query, body }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const identity = new RegExp(`^/${this.tenant}/`);
    if (identity.test(req.path)) return this.identity(req, res);
    if (this.throttles.length > 0) {
      const { status, retryAfter } = this.throttles.shift()!;
      const code = status === 429 ? 'TooManyRequests' : 'ServiceUnavailable';
      return json(res, status, { error: { code, message: 'Please retry again later.' } }, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
    }
    const token = bearerOf(req);
    if (!token || !this.accessTokens.get(token)) return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } });
    if (req.method === 'GET' && req.path === '/v1.0/me/calendarView/delta') return this.delta(req, res);
    if (req.method === 'POST' && req.path === '/v1.0/subscriptions') return this.subscribe(req, res);
    const match = /^\/v1\.0\/subscriptions\/([^/]+)$/.exec(req.path);
    if (match) {
      const sub = this.subscriptions.get(match[1]!);
      if (!sub) return json(res, 404, { error: { code: 'ResourceNotFound', message: 'The object was not found.' } });
      if (req.method === 'PATCH') {
        const body = JSON.parse(req.body) as { expirationDateTime: string };
        sub.expirationDateTime = this.capped(body.expirationDateTime);
        this.renewals.push({ id: sub.id, at: this.now(), expirationDateTime: sub.expirationDateTime });
        return json(res, 200, { ...sub, clientState: null });
      }
      if (req.method === 'DELETE') {
        this.subscriptions.delete(sub.id);
        this.deletedSubscriptions.push(sub.id);
        res.writeHead(204).end();
        return;
      }
    }
    json(res, 404, { error: { code: 'ResourceNotFound', message: `no ${req.method} ${req.path} in this fake` } });
  }

  private identity(req: RecordedRequest, res: ServerResponse): void {
    const base = this.authority;
    if (req.method === 'GET' && req.path === `/${this.tenant}/v2.0/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer: `${this.url}/${this.tenantId}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      });
    }
    if (req.method === 'POST' && req.path === `/${this.tenant}/oauth2/v2.0/token`) return this.token(req, res);
    json(res, 404, { error: 'not_found' });
  }

  private token(req: RecordedRequest, res: ServerResponse): void {
    const form = new URLSearchParams(req.body);
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
    }
    const refused = (description: string) => json(res, 400, { error: 'invalid_grant', error_description: description, error_codes: [70000] });
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const issued = this.codes.get(code);
      this.codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (!issued || createHash('sha256').update(verifier, 'ascii').digest('base64url') !== issued.challenge) return refused('AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      if (form.get('redirect_uri') !== issued.redirectUri) return refused('AADSTS50148: The redirect_uri does not match.');
      return json(res, 200, this.grant(form.get('scope') ?? ''));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      if (!this.refreshTokens.has(presented)) return refused('AADSTS70000: The provided grant has expired due to it being revoked.');
      // Rotation: the old refresh token stops working once its successor is issued.
      this.refreshTokens.delete(presented);
      return json(res, 200, this.grant(form.get('scope') ?? ''));
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  private grant(requestedScope: string) {
    const access = fakeToken('graph-access');
    this.accessTokens.set(access, true);
    const refresh = fakeToken('graph-refresh');
    this.refreshTokens.add(refresh);
    this.refreshTokensIssued.push(refresh);
    const nowS = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${b64({ typ: 'JWT', alg: 'none' })}.${b64({
      aud: this.clientId,
      iss: `${this.url}/${this.tenantId}/v2.0`,
      iat: nowS,
      nbf: nowS,
      exp: nowS + 3600,
      name: 'Test Person',
      preferred_username: 'person@example.test',
      oid: this.userObjectId,
      sub: 'sub-of-the-test-person',
      tid: this.tenantId,
      ver: '2.0',
    })}.`;
    const scope = requestedScope.split(' ').filter((s) => s !== '' && s !== 'openid' && s !== 'profile' && s !== 'offline_access');
    return {
      token_type: 'Bearer',
      scope: [...scope, 'openid', 'profile', 'offline_access'].join(' '),
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: access,
      refresh_token: refresh,
      id_token: idToken,
      client_info: b64({ uid: this.userObjectId, utid: this.tenantId }),
    };
  }

  private delta(req: RecordedRequest, res: ServerResponse): void {
    const q = req.query;
    const deltaToken = q.get('$deltatoken');
    const skipToken = q.get('$skiptoken');
    let cursor: Cursor;
    if (deltaToken !== null) {
      const held = decode(deltaToken);
      if (!held || held.snapshot < this.oldestValidDelta) {
        return json(res, 410, { error: { code: 'SyncStateNotFound', message: 'The sync state generation is not found. Please resync.' } });
      }
      cursor = { window: held.window, since: held.snapshot, snapshot: this.version, offset: 0 };
    } else if (skipToken !== null) {
      const held = decode(skipToken);
      if (!held) return json(res, 400, { error: { code: 'BadRequest', message: 'bad skip token' } });
      cursor = held;
    } else {
      const start = Date.parse(q.get('startDateTime') ?? '');
      const end = Date.parse(q.get('endDateTime') ?? '');
      if (Number.isNaN(start) || Number.isNaN(end)) return json(res, 400, { error: { code: 'ErrorInvalidParameter', message: 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.' } });
      cursor = { window: { start, end }, since: 0, snapshot: this.version, offset: 0 };
    }
    const inWindow = (e: FakeGraphEvent) => e.start !== undefined && e.end !== undefined && e.end.getTime() > cursor.window.start && e.start.getTime() < cursor.window.end;
    const rows = [...this.events.values()]
      .filter((s) => s.version <= cursor.snapshot && (cursor.since === 0 ? !s.deleted && inWindow(s.event) : s.version > cursor.since))
      .sort((a, b) => a.version - b.version);
    const page = rows.slice(cursor.offset, cursor.offset + this.pageSize);
    const last = cursor.offset + this.pageSize >= rows.length;
    const utc = /outlook\.timezone="UTC"/.test(String(req.headers.prefer ?? ''));
    const zone = utc ? { name: 'UTC', offsetMs: 0 } : mailboxZone;
    const value = page.map(({ event: e, deleted }) =>
      deleted || !inWindow(e)
        ? { '@odata.type': '#microsoft.graph.event', id: e.id, '@removed': { reason: 'deleted' } }
        : {
            '@odata.type': '#microsoft.graph.event',
            '@odata.etag': `W/"${this.version}"`,
            id: e.id,
            subject: e.subject,
            isAllDay: e.isAllDay ?? false,
            isCancelled: e.isCancelled ?? false,
            type: 'singleInstance',
            showAs: 'busy',
            start: dateTimeTimeZone(e.start!, zone),
            end: dateTimeTimeZone(e.end!, zone),
          },
    );
    const link = `${this.url}/v1.0/me/calendarView/delta`;
    json(res, 200, {
      '@odata.context': `${this.url}/v1.0/$metadata#Collection(event)`,
      value,
      ...(last
        ? { '@odata.deltaLink': `${link}?$deltatoken=${encode({ ...cursor, offset: 0 })}` }
        : { '@odata.nextLink': `${link}?$skiptoken=${encode({ ...cursor, offset: cursor.offset + this.pageSize })}` }),
    });
  }

  private async subscribe(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = JSON.parse(req.body) as Omit<FakeSubscription, 'id'>;
    if (!body.notificationUrl?.startsWith('https://')) return json(res, 400, { error: { code: 'ValidationError', message: 'NotificationUrl must be https.' } });
    if (!body.clientState || body.clientState.length > 128) return json(res, 400, { error: { code: 'ValidationError', message: 'clientState must be at most 128 characters.' } });
    if (body.resource !== '/me/events' && body.resource !== 'me/events') return json(res, 400, { error: { code: 'ValidationError', message: 'this fake subscribes to /me/events only' } });
    // Graph validates the notification URL before it creates anything.
    const validation = await this.validate().catch(() => ({ ok: false }));
    if (!validation.ok) return json(res, 400, { error: { code: 'ValidationError', message: 'Subscription validation request failed. Response must exactly match validationToken query parameter.' } });
    const sub: FakeSubscription = { ...body, id: randomUUID(), expirationDateTime: this.capped(body.expirationDateTime) };
    this.subscriptions.set(sub.id, sub);
    json(res, 201, { ...sub, clientState: null });
  }

  /** Outlook resources: an expiration beyond the maximum is granted the maximum (the answer is what counts). */
  private capped(asked: string): string {
    return new Date(Math.min(Date.parse(asked), this.now().getTime() + outlookMaxSubscriptionMs)).toISOString();
  }
}
