import { z } from 'zod';
import type { Clock, Logger } from '@omtobe/platform';
import { parseRetryAfter, RateLimitedError, TransientProviderError, withRetries } from '../../domain/rate-limit.ts';
import { readWhoopRateLimit, whoopPauseMs } from './whoop-rate-limit.ts';

/** offline: a refresh token; read:recovery: HRV (RMSSD); read:profile: the WHOOP user id webhooks name. */
export const whoopScopes = ['offline', 'read:recovery', 'read:profile'] as const;

export interface WhoopTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scope: string;
}

export type ScoreState = 'SCORED' | 'PENDING_SCORE' | 'UNSCORABLE';

export interface WhoopRecovery {
  sleepId: string;
  createdAt: Date;
  scoreState: ScoreState;
  /** Present when scored. */
  hrvRmssdMilli?: number;
}

/** The access token was refused (expired or revoked): refresh and try once more. */
export class WhoopUnauthorizedError extends Error {}
/** The token endpoint refused the grant (refresh token revoked or reused): the user must connect again. */
export class WhoopGrantError extends Error {
  /**
   * An earlier try of the same call got no answer (a 5xx, a dropped connection, a timeout) and the retry was
   * refused: WHOOP most likely rotated the refresh token on that try and its answer, the new token, was lost.
   */
  readonly afterLostAnswer: boolean;
  constructor(message: string, afterLostAnswer = false) {
    super(message);
    this.afterLostAnswer = afterLostAnswer;
  }
}
/** Any other refusal; the message carries the status, never a body (it could echo a token). */
export class WhoopApiError extends Error {
  readonly status: number;
  constructor(status: number, what: string) {
    super(`WHOOP ${what} answered ${status}`);
    this.status = status;
  }
}

export interface WhoopApi {
  authorizationUrl(state: string): string;
  exchangeCode(code: string): Promise<WhoopTokens>;
  refresh(refreshToken: string): Promise<WhoopTokens>;
  /** The WHOOP user id of the grant (webhooks name users by it). */
  profile(accessToken: string): Promise<{ userId: string }>;
  recoveries(accessToken: string, query: { start: Date; end?: Date; nextToken?: string; limit?: number }): Promise<{ records: WhoopRecovery[]; nextToken?: string }>;
  /** DELETE /developer/v2/user/access: ends the grant at WHOOP. */
  revokeAccess(accessToken: string): Promise<void>;
}

export interface WhoopApiOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  clock: Clock;
  logger: Logger;
  /** Longest Retry-After waited inline; longer ones surface as RateLimitedError. */
  maxInlineWaitMs: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Injected so tests observe the waits instead of sitting through them. */
  sleep?: (ms: number) => Promise<void>;
}

const tokenReply = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().default(''),
});

const recoveryRecord = z.object({
  sleep_id: z.string().min(1),
  created_at: z.iso.datetime({ offset: true }),
  score_state: z.enum(['SCORED', 'PENDING_SCORE', 'UNSCORABLE']),
  score: z.object({ hrv_rmssd_milli: z.number() }).partial().nullish(),
});

const recoveryPage = z.object({ records: z.array(z.unknown()), next_token: z.string().nullish() });
const profileReply = z.object({ user_id: z.union([z.number(), z.string()]) });

/**
 * WHOOP API v2 over Node's fetch: OAuth form posts, bearer calls, 5xx retried with backoff. WHOOP's limits are
 * the app's (every user's calls count): the X-RateLimit-* headers of each API answer are read, and once a window
 * is spent (Remaining 0, or a 429) no API call leaves this process until its reset — waited inline when short,
 * otherwise a RateLimitedError naming the reset, so the sync is rescheduled then instead of guessing.
 */
export function createWhoopApi(options: WhoopApiOptions): WhoopApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** Until when (service clock, ms) the spent window holds API calls back. */
  let pausedUntil: number | undefined;

  /** Holds an API call back while the window is spent; `waitedUntil`: how far this call has waited already. */
  async function waitForWindow(what: string, waitedUntil: number): Promise<void> {
    if (pausedUntil === undefined || pausedUntil <= waitedUntil) return;
    const waitMs = pausedUntil - options.clock.now().getTime();
    if (waitMs <= 0) return;
    if (waitMs > options.maxInlineWaitMs) throw new RateLimitedError(`WHOOP ${what}: rate limit spent until its reset`, waitMs);
    options.logger.info({ wait_ms: waitMs }, `WHOOP ${what}: rate limit spent, waiting for its reset`);
    await sleep(waitMs);
    // Waited out; the next answer's headers say how the new window stands.
    pausedUntil = undefined;
  }

  async function send(what: string, path: string, init: RequestInit, statusError: (status: number, afterLostAnswer: boolean) => Error | undefined): Promise<Response> {
    // The token endpoint is OAuth's, not the API's: its calls are not held back by the API's windows.
    const limited = path.startsWith('/developer/');
    let lostAnswer = false;
    let waitedUntil = Number.NEGATIVE_INFINITY;
    return withRetries(
      async () => {
        if (limited) await waitForWindow(what, waitedUntil);
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
        } catch (cause) {
          lostAnswer = true;
          throw new TransientProviderError(`WHOOP ${what} failed`, { cause });
        }
        const limit = limited ? readWhoopRateLimit(response.headers) : undefined;
        if (limit) {
          const pauseMs = whoopPauseMs(limit, response.status === 429);
          pausedUntil = pauseMs === undefined ? undefined : options.clock.now().getTime() + pauseMs;
        }
        if (response.ok) return response;
        await response.body?.cancel();
        if (response.status === 429) {
          // Retry-After when a proxy adds one; WHOOP's own answer names its window's reset.
          const waitMs = parseRetryAfter(response.headers.get('retry-after'), options.clock.now()) ?? limit?.resetMs;
          if (limited && waitMs !== undefined) pausedUntil = options.clock.now().getTime() + waitMs;
          throw new RateLimitedError(`WHOOP ${what} rate limited`, waitMs);
        }
        if (response.status >= 500) {
          lostAnswer = true;
          throw new TransientProviderError(`WHOOP ${what} answered ${response.status}`);
        }
        throw statusError(response.status, lostAnswer) ?? new WhoopApiError(response.status, what);
      },
      {
        maxAttempts: options.maxAttempts ?? 4,
        maxWaitMs: options.maxInlineWaitMs,
        baseMs: 1_000,
        sleep,
        onRetry: ({ attempt, waitMs, error }) => {
          // The retry's own wait covers the window it was refused for: the next try is not held back again.
          if (error instanceof RateLimitedError) waitedUntil = options.clock.now().getTime() + waitMs;
          options.logger.warn({ attempt, wait_ms: waitMs, err: error.message }, `WHOOP ${what}: retrying`);
        },
      },
    );
  }

  async function tokenCall(what: string, form: Record<string, string>): Promise<WhoopTokens> {
    const body = new URLSearchParams({ ...form, client_id: options.clientId, client_secret: options.clientSecret });
    const response = await send(what, '/oauth/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    }, (status, afterLostAnswer) => (status === 400 || status === 401 ? new WhoopGrantError(`WHOOP ${what} refused the grant (${status})`, afterLostAnswer) : undefined));
    const reply = tokenReply.parse(await response.json());
    return {
      accessToken: reply.access_token,
      refreshToken: reply.refresh_token,
      expiresAt: new Date(options.clock.now().getTime() + reply.expires_in * 1000),
      scope: reply.scope,
    };
  }

  const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}`, accept: 'application/json' });
  const unauthorized = (status: number) => (status === 401 ? new WhoopUnauthorizedError('WHOOP refused the access token') : undefined);

  return {
    authorizationUrl(state) {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: options.redirectUri,
        scope: whoopScopes.join(' '),
        state,
      });
      return `${base}/oauth/oauth2/auth?${query}`;
    },
    exchangeCode(code) {
      return tokenCall('code exchange', { grant_type: 'authorization_code', code, redirect_uri: options.redirectUri });
    },
    refresh(refreshToken) {
      return tokenCall('token refresh', { grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'offline' });
    },
    async profile(accessToken) {
      const response = await send('profile', '/developer/v2/user/profile/basic', { headers: bearer(accessToken) }, unauthorized);
      // Only the id is kept: the profile's name and email never leave this function.
      return { userId: String(profileReply.parse(await response.json()).user_id) };
    },
    async recoveries(accessToken, query) {
      const params = new URLSearchParams({ limit: String(query.limit ?? 25), start: query.start.toISOString() });
      if (query.end) params.set('end', query.end.toISOString());
      if (query.nextToken) params.set('nextToken', query.nextToken);
      const response = await send('recoveries', `/developer/v2/recovery?${params}`, { headers: bearer(accessToken) }, unauthorized);
      const page = recoveryPage.parse(await response.json());
      const records: WhoopRecovery[] = [];
      for (const raw of page.records) {
        const parsed = recoveryRecord.safeParse(raw);
        if (!parsed.success) {
          options.logger.warn('WHOOP recovery record in an unexpected shape skipped');
          continue;
        }
        const r = parsed.data;
        records.push({
          sleepId: r.sleep_id,
          createdAt: new Date(r.created_at),
          scoreState: r.score_state,
          ...(r.score?.hrv_rmssd_milli !== undefined ? { hrvRmssdMilli: r.score.hrv_rmssd_milli } : {}),
        });
      }
      return { records, ...(page.next_token ? { nextToken: page.next_token } : {}) };
    },
    async revokeAccess(accessToken) {
      const response = await send('revoke', '/developer/v2/user/access', { method: 'DELETE', headers: bearer(accessToken) }, unauthorized);
      await response.body?.cancel();
    },
  };
}
