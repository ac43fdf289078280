import { bearerOf, fakeToken, json, startFakeServer, type FakeServer, type RecordedRequest } from './http-server.ts';
import type { ServerResponse } from 'node:http';

export interface FakeRecovery {
  sleepId: string;
  createdAt: Date;
  scoreState: 'SCORED' | 'PENDING_SCORE' | 'UNSCORABLE';
  rmssd?: number;
}

type RateWindow = { seconds: number; limit: number; index: number; used: number };

/**
 * A local WHOOP API v2 that behaves like the real one where the service depends on it: form-encoded
 * token endpoint that rotates refresh tokens (an old refresh token is refused once used), bearer-checked
 * recovery collection paged with `nextToken`, 401 for expired access tokens, and revocation.
 *
 * Rate limits as developer.whoop.com documents them: per app (every user's calls count), 100 a minute and
 * 10,000 a day (UTC windows here), and every API answer carries `X-RateLimit-Limit` (`100, 100;window=60,
 * 10000;window=86400`, the first number the limit closest to being hit), `X-RateLimit-Remaining` and
 * `X-RateLimit-Reset` (seconds until that window refills). Past a limit the answer is 429 with those headers
 * and no Retry-After. Time is `now()`: tests point it at their clock.
 *
 * The token endpoint can also rotate a refresh token and then lose the answer (a 5xx or a dropped connection),
 * and hold its answers until released (to line up concurrent refreshes).
 */
export class FakeWhoop {
  readonly clientId = 'whoop-client';
  readonly clientSecret = 'whoop-secret';
  server!: FakeServer;
  /** Largest page served whatever `limit` asks, so tests see pagination with few records. */
  maxPageSize = 25;
  private readonly recoveries = new Map<string, FakeRecovery[]>();
  private readonly codes = new Map<string, string>();
  private readonly accessTokens = new Map<string, { whoopUserId: string; valid: boolean }>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly rateLimits: Array<string | undefined> = [];
  readonly revoked: string[] = [];
  /** The fake's clock for its rate windows (real time unless a test says otherwise). */
  now: () => Date = () => new Date();
  private readonly windows: RateWindow[] = [
    { seconds: 60, limit: 100, index: -1, used: 0 },
    { seconds: 86_400, limit: 10_000, index: -1, used: 0 },
  ];
  /** How many 429s the API answered. */
  tooManyRequests = 0;
  private readonly lostRefreshAnswers: Array<'error' | 'drop'> = [];
  private tokenGate: Promise<void> | undefined;

  static async start(): Promise<FakeWhoop> {
    const fake = new FakeWhoop();
    fake.server = await startFakeServer((req, res) => fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  /** A code the user would bring back from WHOOP's consent page. */
  issueCode(whoopUserId: string): string {
    const code = fakeToken('whoop-code');
    this.codes.set(code, whoopUserId);
    return code;
  }

  addRecovery(whoopUserId: string, recovery: FakeRecovery): void {
    const list = this.recoveries.get(whoopUserId) ?? [];
    const at = list.findIndex((r) => r.sleepId === recovery.sleepId);
    if (at >= 0) list[at] = recovery;
    else list.push(recovery);
    this.recoveries.set(whoopUserId, list);
  }

  removeRecovery(whoopUserId: string, sleepId: string): void {
    this.recoveries.set(whoopUserId, (this.recoveries.get(whoopUserId) ?? []).filter((r) => r.sleepId !== sleepId));
  }

  /** Every access token issued so far stops working (401), as after its hour. */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.valid = false;
  }

  /** The next API calls answer 429 whatever the windows say (as a proxy in front might), with these Retry-After values (undefined: none). */
  rateLimitNext(...retryAfter: Array<string | undefined>): void {
    this.rateLimits.push(...retryAfter);
  }

  /** The app's limits (WHOOP raises them on request). */
  setLimits(limits: { perMinute?: number; perDay?: number }): void {
    if (limits.perMinute !== undefined) this.windows[0]!.limit = limits.perMinute;
    if (limits.perDay !== undefined) this.windows[1]!.limit = limits.perDay;
  }

  /** Requests the app made elsewhere (another replica, another of its services) in the current windows. */
  spend(requests: number, window: 'minute' | 'day' | 'both' = 'both'): void {
    this.windows.forEach((w, i) => {
      if (window === 'both' || (window === 'minute') === (i === 0)) {
        this.roll(w);
        w.used += requests;
      }
    });
  }

  /** The next refresh-token grants rotate the token and then lose the answer: a 500, or a dropped connection. */
  loseNextRefreshAnswer(...how: Array<'error' | 'drop'>): void {
    this.lostRefreshAnswers.push(...how);
  }

  /** Token requests wait (after being recorded) until the returned function is called. */
  holdTokenAnswers(): () => void {
    let release!: () => void;
    this.tokenGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.tokenGate = undefined;
      release();
    };
  }

  /** Forgets every user, grant, recovery, queued fault and request, and refills the windows (limits back to WHOOP's defaults). */
  reset(): void {
    this.recoveries.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.rateLimits.length = 0;
    this.revoked.length = 0;
    this.lostRefreshAnswers.length = 0;
    this.tokenGate = undefined;
    this.maxPageSize = 25;
    this.tooManyRequests = 0;
    this.setLimits({ perMinute: 100, perDay: 10_000 });
    for (const w of this.windows) w.used = 0;
    this.server.requests.length = 0;
  }

  liveRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  apiRequests(path: string): RecordedRequest[] {
    return this.server.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private issueTokens(whoopUserId: string) {
    const access = fakeToken('whoop-access');
    const refresh = fakeToken('whoop-refresh');
    this.accessTokens.set(access, { whoopUserId, valid: true });
    this.refreshTokens.set(refresh, whoopUserId);
    return { access_token: access, refresh_token: refresh, expires_in: 3600, scope: 'offline read:recovery read:profile', token_type: 'bearer' };
  }

  private roll(w: RateWindow): void {
    const index = Math.floor(this.now().getTime() / (w.seconds * 1000));
    if (index !== w.index) {
      w.index = index;
      w.used = 0;
    }
  }

  /** The headers WHOOP puts on every API answer, about the window closest to being exhausted. */
  private rateHeaders(): Record<string, string> {
    const now = this.now().getTime();
    for (const w of this.windows) this.roll(w);
    const state = this.windows.map((w) => ({ w, remaining: Math.max(0, w.limit - w.used), resetS: Math.ceil(((w.index + 1) * w.seconds * 1000 - now) / 1000) }));
    // The closest: an exhausted window (the one refilling last, when both are), else the one with the fewest left.
    const spent = state.filter((s) => s.remaining === 0).sort((a, b) => b.resetS - a.resetS);
    const closest = spent[0] ?? [...state].sort((a, b) => a.remaining - b.remaining)[0]!;
    return {
      'x-ratelimit-limit': [String(closest.w.limit), ...this.windows.map((w) => `${w.limit};window=${w.seconds}`)].join(', '),
      'x-ratelimit-remaining': String(closest.remaining),
      'x-ratelimit-reset': String(closest.resetS),
    };
  }

  private async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'POST' && req.path === '/oauth/oauth2/token') return this.token(req, res);
    if (this.rateLimits.length > 0) {
      const retryAfter = this.rateLimits.shift();
      this.tooManyRequests += 1;
      return json(res, 429, { message: 'Too Many Requests' }, { ...this.rateHeaders(), ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) });
    }
    for (const w of this.windows) this.roll(w);
    if (this.windows.some((w) => w.used >= w.limit)) {
      this.tooManyRequests += 1;
      return json(res, 429, { message: 'Too Many Requests' }, this.rateHeaders());
    }
    for (const w of this.windows) w.used += 1;
    const limits = this.rateHeaders();
    const token = bearerOf(req);
    const grant = token ? this.accessTokens.get(token) : undefined;
    if (!grant?.valid) return json(res, 401, { message: 'Unauthorized' }, limits);
    if (req.method === 'GET' && req.path === '/developer/v2/user/profile/basic') {
      return json(res, 200, { user_id: Number(grant.whoopUserId), email: 'athlete@example.com', first_name: 'Ada', last_name: 'Athlete' }, limits);
    }
    if (req.method === 'GET' && req.path === '/developer/v2/recovery') return this.recoveryPage(grant.whoopUserId, req, res, limits);
    if (req.method === 'DELETE' && req.path === '/developer/v2/user/access') {
      this.revoked.push(grant.whoopUserId);
      for (const [t, g] of this.accessTokens) if (g.whoopUserId === grant.whoopUserId) this.accessTokens.delete(t);
      for (const [t, u] of this.refreshTokens) if (u === grant.whoopUserId) this.refreshTokens.delete(t);
      res.writeHead(204, limits).end();
      return;
    }
    json(res, 404, { message: 'Not Found' }, limits);
  }

  private async token(req: RecordedRequest, res: ServerResponse): Promise<void> {
    await this.tokenGate;
    const form = new URLSearchParams(req.body);
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') || form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
      return json(res, 401, { error: 'invalid_client' });
    }
    if (form.get('grant_type') === 'authorization_code') {
      const user = this.codes.get(form.get('code') ?? '');
      if (!user) return json(res, 400, { error: 'invalid_grant' });
      this.codes.delete(form.get('code')!);
      return json(res, 200, this.issueTokens(user));
    }
    if (form.get('grant_type') === 'refresh_token' && form.get('scope') === 'offline') {
      const old = form.get('refresh_token') ?? '';
      const user = this.refreshTokens.get(old);
      if (!user) return json(res, 400, { error: 'invalid_grant' });
      this.refreshTokens.delete(old); // rotation: a refresh token works once
      const issued = this.issueTokens(user);
      const lost = this.lostRefreshAnswers.shift();
      if (lost === 'drop') {
        res.socket?.destroy();
        return;
      }
      if (lost === 'error') return json(res, 502, { message: 'Bad Gateway' });
      return json(res, 200, issued);
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  private recoveryPage(whoopUserId: string, req: RecordedRequest, res: ServerResponse, headers: Record<string, string>): void {
    const start = req.query.get('start') ? new Date(req.query.get('start')!) : new Date(0);
    const limit = Math.min(Number(req.query.get('limit') ?? 10), 25, this.maxPageSize);
    const all = (this.recoveries.get(whoopUserId) ?? [])
      .filter((r) => r.createdAt >= start)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const offset = Number(req.query.get('nextToken') ?? 0);
    const page = all.slice(offset, offset + limit);
    json(res, 200, {
      records: page.map((r, i) => ({
        cycle_id: 1000 + offset + i,
        sleep_id: r.sleepId,
        user_id: Number(whoopUserId),
        created_at: r.createdAt.toISOString(),
        updated_at: r.createdAt.toISOString(),
        score_state: r.scoreState,
        ...(r.scoreState === 'SCORED' ? { score: { user_calibrating: false, recovery_score: 60, resting_heart_rate: 55, hrv_rmssd_milli: r.rmssd } } : {}),
      })),
      next_token: offset + limit < all.length ? String(offset + limit) : null,
    }, headers);
  }
}
