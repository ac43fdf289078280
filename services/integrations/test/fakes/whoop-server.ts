import { json, bearerOf, fakeToken, startFakeServer, type FakeServer, type RecordedRequest } from '@omtobe/testing/fakes';
import type { ServerResponse } from 'node:http';

export interface FakeRecovery {
  sleepId: string;
  createdAt: Date;
  scoreState: 'SCORED' | 'PENDING_SCORE' | 'UNSCORABLE';
  rmssd?: number;
}

/**
 * A local WHOOP API v2 that behaves like the real one where the service depends on it: form-encoded
 * token endpoint that rotates refresh tokens (an old refresh token is refused once used), bearer-checked
 * recovery collection paged with `nextToken`, 401 for expired access tokens, 429 with Retry-After on
 * demand, and revocation.
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

  /** The next API calls answer 429, with these Retry-After values (undefined: no header). */
  rateLimitNext(...retryAfter: Array<string | undefined>): void {
    this.rateLimits.push(...retryAfter);
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

  private handle(req: RecordedRequest, res: ServerResponse): void {
    if (req.method === 'POST' && req.path === '/oauth/oauth2/token') return this.token(req, res);
    if (this.rateLimits.length > 0) {
      const retryAfter = this.rateLimits.shift();
      return json(res, 429, { message: 'Too Many Requests' }, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
    }
    const token = bearerOf(req);
    const grant = token ? this.accessTokens.get(token) : undefined;
    if (!grant?.valid) return json(res, 401, { message: 'Unauthorized' });
    if (req.method === 'GET' && req.path === '/developer/v2/user/profile/basic') {
      return json(res, 200, { user_id: Number(grant.whoopUserId), email: 'athlete@example.com', first_name: 'Ada', last_name: 'Athlete' });
    }
    if (req.method === 'GET' && req.path === '/developer/v2/recovery') return this.recoveryPage(grant.whoopUserId, req, res);
    if (req.method === 'DELETE' && req.path === '/developer/v2/user/access') {
      this.revoked.push(grant.whoopUserId);
      for (const [t, g] of this.accessTokens) if (g.whoopUserId === grant.whoopUserId) this.accessTokens.delete(t);
      for (const [t, u] of this.refreshTokens) if (u === grant.whoopUserId) this.refreshTokens.delete(t);
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { message: 'Not Found' });
  }

  private token(req: RecordedRequest, res: ServerResponse): void {
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
      return json(res, 200, this.issueTokens(user));
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  private recoveryPage(whoopUserId: string, req: RecordedRequest, res: ServerResponse): void {
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
    });
  }
}
