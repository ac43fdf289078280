import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { bearerOf, fakeToken, json, startFakeServer, type FakeServer, type RecordedRequest } from './http-server.ts';

export interface FakeEvent {
  id: string;
  summary?: string;
  /** Timed events; `allDay` uses start.date instead. */
  start?: Date;
  end?: Date;
  /** The UTC offset the event's dateTimes are written in (`+05:30`, `-08:00`); `Z` when absent. */
  offset?: string;
  /** An all-day event's first day (`2026-06-12`). */
  allDay?: string;
  /** Its last day (inclusive); Google answers the day after it as `end.date` (exclusive). Default: `allDay`. */
  allDayLast?: string;
  status?: 'confirmed' | 'cancelled';
}

const dayMs = 86_400_000;

/** An RFC 3339 date-time of `at` written in `offset` (`+05:30`), as Google writes an event in its calendar's zone. */
function inOffset(at: Date, offset: string | undefined): string {
  if (!offset || offset === 'Z') return at.toISOString().replace(/\.000Z$/, 'Z');
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new Error(`bad offset ${offset}`);
  const minutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 19) + offset;
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + dayMs).toISOString().slice(0, 10);

/** Google's 403 bodies for the reasons a read can meet (developers.google.com/calendar/api/guides/errors). */
const forbiddenBodies: Record<string, { domain: string; message: string }> = {
  rateLimitExceeded: { domain: 'usageLimits', message: 'Rate Limit Exceeded' },
  userRateLimitExceeded: { domain: 'usageLimits', message: 'User Rate Limit Exceeded' },
  quotaExceeded: { domain: 'usageLimits', message: 'Calendar usage limits exceeded.' },
  forbidden: { domain: 'global', message: 'Forbidden' },
};

interface Stored {
  event: FakeEvent;
  version: number;
}

/**
 * A local Google Calendar v3 + OAuth token endpoint, enough for the real `googleapis` client:
 * events.list with pages (`pageToken`) and `nextSyncToken` on the last page only, incremental listing by
 * sync token (changes, cancellations included), 410 Gone for an invalidated sync token, 400 for a sync
 * token combined with time bounds (as Google refuses), events.watch, channels.stop, token exchange and
 * refresh (refresh replies carry no new refresh token), revocation, and 401 for expired access tokens.
 *
 * Where Google differs from the easy case, so does this fake: timed events can be written with any UTC offset
 * (`2026-12-01T10:00:00+05:30`), all-day events carry `date`s with an exclusive `end.date`, rate limits come as
 * 403 with a reason (`rateLimitExceeded`, `userRateLimitExceeded`, `quotaExceeded`) and no Retry-After, and a
 * watch may be granted a shorter life than asked (`capChannelTtl`): the answer's `expiration` is what counts.
 * Time is `now()`: tests point it at their clock.
 */
export class FakeGoogle {
  readonly clientId = 'google-client';
  readonly clientSecret = 'google-secret';
  server!: FakeServer;
  pageSize = 2;
  private version = 0;
  private oldestValidSync = 0;
  private readonly events = new Map<string, Stored>();
  /** Issued codes and the PKCE challenge of the authorization they answer. */
  private readonly codes = new Map<string, string>();
  private readonly accessTokens = new Map<string, boolean>();
  private readonly refreshTokens = new Set<string>();
  /** Watches as asked (`expiration`) and as granted (`granted`, what the answer said). */
  readonly watches: Array<{ id: string; token: string; address: string; expiration: string; granted: string; resourceId: string }> = [];
  readonly stopped: Array<{ id: string; resourceId: string }> = [];
  readonly revoked: string[] = [];
  /** Every event as events.list answered it. */
  readonly listed: unknown[] = [];
  private rateLimits: Array<string | undefined> = [];
  private readonly forbids: string[] = [];
  private channelTtlCapMs: number | undefined;
  /** The fake's clock (real time unless a test says otherwise). */
  now: () => Date = () => new Date();

  static async start(): Promise<FakeGoogle> {
    const fake = new FakeGoogle();
    fake.server = await startFakeServer((req, res) => fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  /**
   * The user consents at the authorization URL: a code bound to its PKCE challenge, as Google binds it. Google's
   * token endpoint then wants the matching `code_verifier`; this fake requires PKCE (S256) on every authorization.
   */
  issueCode(authorizationUrl: URL): string {
    const challenge = authorizationUrl.searchParams.get('code_challenge');
    if (authorizationUrl.searchParams.get('code_challenge_method') !== 'S256' || !challenge) throw new Error('authorization URL without a PKCE S256 challenge');
    const code = fakeToken('google-code');
    this.codes.set(code, challenge);
    return code;
  }

  put(event: FakeEvent): void {
    this.version += 1;
    this.events.set(event.id, { event: { status: 'confirmed', ...event }, version: this.version });
  }

  /** Deletes an event the way Google reports it afterwards: only its id and status. */
  cancel(id: string): void {
    this.version += 1;
    this.events.set(id, { event: { id, status: 'cancelled' }, version: this.version });
  }

  /** Every sync token handed out so far answers 410 Gone from now on. */
  invalidateSyncTokens(): void {
    this.oldestValidSync = this.version + 1;
  }

  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, false);
  }

  /** The user removed the app's access in their Google account: every grant stops working (refreshes get invalid_grant). */
  revokeGrants(): void {
    this.refreshTokens.clear();
    this.expireAccessTokens();
  }

  /** The next API calls answer 429 rateLimitExceeded, with these Retry-After values (undefined: none). */
  rateLimitNext(...retryAfter: Array<string | undefined>): void {
    this.rateLimits.push(...retryAfter);
  }

  /** The next API calls answer 403 with these reasons (`rateLimitExceeded`, `quotaExceeded`, `forbidden`, …), no Retry-After. */
  forbidNext(...reasons: string[]): void {
    for (const reason of reasons) if (!forbiddenBodies[reason]) throw new Error(`no 403 body for ${reason}`);
    this.forbids.push(...reasons);
  }

  /** Watches live at most this long from now, whatever expiration they ask for (undefined: as asked). */
  capChannelTtl(ms: number | undefined): void {
    this.channelTtlCapMs = ms;
  }

  /** Forgets every event, grant, channel, queued answer and request. */
  reset(): void {
    this.events.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.watches.length = 0;
    this.stopped.length = 0;
    this.revoked.length = 0;
    this.listed.length = 0;
    this.rateLimits.length = 0;
    this.forbids.length = 0;
    this.channelTtlCapMs = undefined;
    this.pageSize = 2;
    this.oldestValidSync = this.version + 1;
    this.server.requests.length = 0;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.server.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(req: RecordedRequest, res: ServerResponse): void {
    if (req.method === 'POST' && req.path === '/token') return this.token(req, res);
    if (req.method === 'POST' && req.path === '/revoke') {
      const token = req.query.get('token') ?? new URLSearchParams(req.body).get('token') ?? '';
      this.revoked.push(token);
      this.refreshTokens.delete(token);
      return json(res, 200, {});
    }
    if (this.rateLimits.length > 0) {
      const retryAfter = this.rateLimits.shift();
      return json(res, 429, { error: { code: 429, message: 'Rate Limit Exceeded', errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' }] } }, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
    }
    if (this.forbids.length > 0) {
      const reason = this.forbids.shift()!;
      const { domain, message } = forbiddenBodies[reason]!;
      return json(res, 403, { error: { code: 403, message, errors: [{ domain, reason, message }] } });
    }
    const token = bearerOf(req);
    if (!token || !this.accessTokens.get(token)) return json(res, 401, { error: { code: 401, message: 'Invalid Credentials', errors: [{ reason: 'authError' }] } });
    if (req.method === 'GET' && req.path === '/calendar/v3/calendars/primary/events') return this.list(req, res);
    if (req.method === 'POST' && req.path === '/calendar/v3/calendars/primary/events/watch') {
      const body = JSON.parse(req.body) as { id: string; token: string; address: string; expiration: string; type: string };
      if (body.type !== 'web_hook' || !body.address.startsWith('https://')) return json(res, 400, { error: { code: 400, message: 'bad channel' } });
      const resourceId = `resource-${this.watches.length + 1}`;
      const cap = this.channelTtlCapMs === undefined ? Number.POSITIVE_INFINITY : this.now().getTime() + this.channelTtlCapMs;
      const expiration = String(Math.min(Number(body.expiration), cap));
      this.watches.push({ ...body, resourceId, granted: expiration });
      return json(res, 200, { kind: 'api#channel', id: body.id, resourceId, resourceUri: `${this.url}/calendar/v3/calendars/primary/events`, token: body.token, expiration });
    }
    if (req.method === 'POST' && req.path === '/calendar/v3/channels/stop') {
      this.stopped.push(JSON.parse(req.body) as { id: string; resourceId: string });
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { error: { code: 404, message: 'Not Found' } });
  }

  private token(req: RecordedRequest, res: ServerResponse): void {
    const form = new URLSearchParams(req.body);
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) return json(res, 401, { error: 'invalid_client' });
    const issueAccess = () => {
      const access = fakeToken('google-access');
      this.accessTokens.set(access, true);
      return access;
    };
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const challenge = this.codes.get(code);
      // A code is spent by its first exchange, right verifier or not (RFC 7636 §4.6: a mismatch is invalid_grant).
      this.codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (challenge === undefined || createHash('sha256').update(verifier, 'ascii').digest('base64url') !== challenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier or code.' });
      }
      const refresh = fakeToken('google-refresh');
      this.refreshTokens.add(refresh);
      return json(res, 200, { access_token: issueAccess(), refresh_token: refresh, expires_in: 3599, scope: 'https://www.googleapis.com/auth/calendar.events.readonly', token_type: 'Bearer' });
    }
    if (form.get('grant_type') === 'refresh_token' && this.refreshTokens.has(form.get('refresh_token') ?? '')) {
      return json(res, 200, { access_token: issueAccess(), expires_in: 3599, scope: 'https://www.googleapis.com/auth/calendar.events.readonly', token_type: 'Bearer' });
    }
    json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  }

  private list(req: RecordedRequest, res: ServerResponse): void {
    const q = req.query;
    if (q.get('singleEvents') !== 'true') return json(res, 400, { error: { code: 400, message: 'this fake expands recurring events only' } });
    const syncToken = q.get('syncToken');
    if (syncToken && (q.has('timeMin') || q.has('timeMax'))) return json(res, 400, { error: { code: 400, message: 'syncToken cannot be combined with timeMin/timeMax' } });
    // A page token carries the listing's snapshot version, so all pages of one listing agree.
    const [offsetText, snapshotText] = (q.get('pageToken') ?? '').split('@');
    const snapshot = snapshotText ? Number(snapshotText) : this.version;
    let rows: Stored[];
    if (syncToken) {
      const since = Number(syncToken.replace(/^sync-/, ''));
      if (!Number.isFinite(since) || since < this.oldestValidSync) {
        return json(res, 410, { error: { code: 410, message: 'Sync token is no longer valid, a full sync is required.', errors: [{ reason: 'fullSyncRequired' }] } });
      }
      rows = [...this.events.values()].filter((s) => s.version > since && s.version <= snapshot);
    } else {
      const timeMin = q.get('timeMin') ? new Date(q.get('timeMin')!) : new Date(0);
      const timeMax = q.get('timeMax') ? new Date(q.get('timeMax')!) : new Date(8.64e15);
      const overlaps = (e: FakeEvent) =>
        e.allDay !== undefined
          ? Date.parse(`${nextDay(e.allDayLast ?? e.allDay)}T00:00:00Z`) > timeMin.getTime() && Date.parse(`${e.allDay}T00:00:00Z`) < timeMax.getTime()
          : e.end! > timeMin && e.start! < timeMax;
      rows = [...this.events.values()].filter((s) => s.version <= snapshot && s.event.status !== 'cancelled' && overlaps(s.event));
    }
    rows.sort((a, b) => a.version - b.version);
    const offset = Number(offsetText || 0);
    const page = rows.slice(offset, offset + this.pageSize);
    const last = offset + this.pageSize >= rows.length;
    const body = {
      kind: 'calendar#events',
      items: page.map(({ event: e }) =>
        e.status === 'cancelled'
          ? { id: e.id, status: 'cancelled' }
          : {
              id: e.id,
              status: e.status,
              summary: e.summary,
              start: e.allDay ? { date: e.allDay } : { dateTime: inOffset(e.start!, e.offset) },
              end: e.allDay ? { date: nextDay(e.allDayLast ?? e.allDay) } : { dateTime: inOffset(e.end!, e.offset) },
            },
      ),
      ...(last ? { nextSyncToken: `sync-${snapshot}` } : { nextPageToken: `${offset + this.pageSize}@${snapshot}` }),
    };
    this.listed.push(...body.items);
    json(res, 200, body);
  }
}
