import type { calendar_v3 } from 'googleapis';
import type { Credentials, OAuth2Client } from 'google-auth-library';
import type { Clock, Logger } from '@omtobe/platform';
import type { CalendarItem } from '../../domain/calendar-decision.ts';
import { parseRetryAfter, RateLimitedError, TransientProviderError } from '../../domain/rate-limit.ts';
import type { GoogleSettings } from '../../domain/settings.ts';
import type { Tokens } from '../../operations/connections/token-vault.ts';

export const googleScopes = ['https://www.googleapis.com/auth/calendar.events.readonly'] as const;

/** The sync token is too old (410 Gone): drop local sync state and sync in full. */
export class SyncTokenGoneError extends Error {}
/** The grant was revoked or expired at Google (invalid_grant): the user must connect again. */
export class GoogleGrantError extends Error {}

export interface EventPage {
  items: CalendarItem[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

/** Google Calendar acting for one grant. */
export interface GoogleSession {
  listEvents(query: { syncToken?: string; pageToken?: string; timeMin?: Date; timeMax?: Date }): Promise<EventPage>;
  watch(channel: { id: string; token: string; address: string; expiration: Date }): Promise<{ resourceId: string; expiresAt: Date }>;
  stopChannel(channel: { id: string; resourceId: string }): Promise<void>;
  /** Waits until tokens refreshed during the session are stored. */
  flush(): Promise<void>;
}

export interface GoogleApi {
  /** With PKCE (S256): `codeChallenge` is the base64url sha256 of the verifier `exchangeCode` will send. */
  authorizationUrl(state: string, codeChallenge: string): string;
  exchangeCode(code: string, codeVerifier: string): Promise<Tokens>;
  /** `onTokens` receives every refresh (a refresh reply may omit the refresh token: keep the old one then). */
  session(tokens: Tokens, onTokens: (tokens: Partial<Tokens>) => Promise<void>): GoogleSession;
  /** Revokes the whole grant; an already dead token counts as revoked. */
  revoke(token: string): Promise<void>;
}

/**
 * Google Calendar v3 through the `googleapis` client and google-auth-library's OAuth2Client, both
 * pointed at configurable endpoints (`rootUrl`, `endpoints.oauth2TokenUrl`, …) so tests run the real
 * clients against a local server. googleapis is imported only when Google is configured: it is large.
 *
 * The OAuth2Client judges expiry with the system clock; token times are translated between it and the
 * service clock, so "refresh before expiry" follows the service clock (and a test clock) too.
 */
export async function createGoogleApi(settings: GoogleSettings, clock: Clock, logger: Logger): Promise<GoogleApi> {
  const { google } = await import('googleapis');
  const { OAuth2Client: Client, CodeChallengeMethod } = await import('google-auth-library');
  const skew = () => clock.now().getTime() - Date.now();

  const newClient = (): OAuth2Client =>
    new Client({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      redirectUri: settings.redirectUri,
      endpoints: { oauth2TokenUrl: settings.tokenUrl, oauth2AuthBaseUrl: settings.authUrl, oauth2RevokeUrl: settings.revokeUrl },
      // Not the library's forceRefreshOnFailure: it refreshes and retries on every 403 too, and Google's rate limits
      // are 403s — a refresh and a second request for each refusal. The session refreshes on a 401 itself.
      forceRefreshOnFailure: false,
      eagerRefreshThresholdMillis: 5 * 60_000,
    });

  const toTokens = (c: Credentials): Partial<Tokens> => ({
    ...(c.access_token ? { accessToken: c.access_token } : {}),
    ...(c.refresh_token ? { refreshToken: c.refresh_token } : {}),
    ...(c.expiry_date ? { expiresAt: new Date(c.expiry_date + skew()) } : {}),
    ...(c.scope ? { scope: c.scope } : {}),
  });

  return {
    authorizationUrl(state, codeChallenge) {
      return newClient().generateAuthUrl({
        access_type: 'offline',
        // Google sends a refresh token only on first consent unless asked to show consent again.
        prompt: 'consent',
        scope: [...googleScopes],
        state,
        code_challenge: codeChallenge,
        code_challenge_method: CodeChallengeMethod.S256,
      });
    },

    async exchangeCode(code, codeVerifier) {
      try {
        const { tokens } = await newClient().getToken({ code, codeVerifier });
        const t = toTokens(tokens);
        if (!t.accessToken || !t.refreshToken) throw new GoogleGrantError('Google returned no refresh token (offline access not granted)');
        return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt ?? new Date(clock.now().getTime() + 3_600_000), scope: t.scope ?? '' };
      } catch (error) {
        throw googleErrorOf(error, clock.now());
      }
    },

    session(tokens, onTokens) {
      const client = newClient();
      client.setCredentials({
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        expiry_date: tokens.expiresAt.getTime() - skew(),
        scope: tokens.scope,
      });
      const saves: Promise<void>[] = [];
      client.on('tokens', (credentials) => {
        logger.info({ provider: 'google_calendar' }, 'access token refreshed');
        saves.push(onTokens(toTokens(credentials)));
      });
      const calendar = google.calendar({ version: 'v3', auth: client, rootUrl: settings.apiRootUrl });
      // Retries are ours (Retry-After, rescheduling); gaxios' own would retry 429s blind.
      const noRetry = { retry: false };
      const call = async <T>(run: () => Promise<T>): Promise<T> => {
        try {
          return await run();
        } catch (error) {
          if (statusOf(error) !== 401) throw googleErrorOf(error, clock.now());
        }
        // The access token was refused although its expiry says it is good (revoked, clock skew): refresh once
        // (stored through 'tokens') and try again; a second refusal is the grant's.
        try {
          await client.refreshAccessToken();
          return await run();
        } catch (error) {
          throw googleErrorOf(error, clock.now());
        }
      };
      return {
        listEvents: (query) =>
          call(async () => {
            const params: calendar_v3.Params$Resource$Events$List = { calendarId: settings.calendarId, singleEvents: true, maxResults: 250 };
            if (query.pageToken) params.pageToken = query.pageToken;
            // With a sync token Google refuses time bounds: the window is re-applied on our side.
            if (query.syncToken) params.syncToken = query.syncToken;
            else {
              if (query.timeMin) params.timeMin = query.timeMin.toISOString();
              if (query.timeMax) params.timeMax = query.timeMax.toISOString();
            }
            const { data } = await calendar.events.list(params, noRetry);
            return {
              items: (data.items ?? []).flatMap((e) => (e.id ? [toItem(e)] : [])),
              ...(data.nextPageToken ? { nextPageToken: data.nextPageToken } : {}),
              ...(data.nextSyncToken ? { nextSyncToken: data.nextSyncToken } : {}),
            };
          }),
        watch: (channel) =>
          call(async () => {
            const { data } = await calendar.events.watch(
              {
                calendarId: settings.calendarId,
                requestBody: { id: channel.id, type: 'web_hook', address: channel.address, token: channel.token, expiration: String(channel.expiration.getTime()) },
              },
              noRetry,
            );
            if (!data.resourceId) throw new Error('events.watch answered without a resource id');
            return { resourceId: data.resourceId, expiresAt: data.expiration ? new Date(Number(data.expiration)) : channel.expiration };
          }),
        stopChannel: (channel) =>
          call(async () => {
            await calendar.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }, noRetry);
          }),
        async flush() {
          await Promise.all(saves.splice(0));
        },
      };
    },

    async revoke(token) {
      try {
        await newClient().revokeToken(token);
      } catch (error) {
        // 400 invalid_token: the grant is gone already, which is what revoking wants.
        if (statusOf(error) === 400) return;
        throw googleErrorOf(error, clock.now());
      }
    },
  };
}

function toItem(e: calendar_v3.Schema$Event): CalendarItem {
  const startsAt = e.start?.dateTime ? new Date(e.start.dateTime) : undefined;
  const endsAt = e.end?.dateTime ? new Date(e.end.dateTime) : undefined;
  return {
    eventId: e.id!,
    cancelled: e.status === 'cancelled',
    ...(e.summary !== undefined && e.summary !== null ? { title: e.summary } : {}),
    ...(startsAt && !Number.isNaN(startsAt.getTime()) ? { startsAt } : {}),
    ...(endsAt && !Number.isNaN(endsAt.getTime()) ? { endsAt } : {}),
  };
}

interface HttpishError {
  status?: number;
  response?: { status?: number; headers?: { get?(name: string): string | null }; data?: unknown };
}

function statusOf(error: unknown): number | undefined {
  const e = error as HttpishError;
  return e?.status ?? e?.response?.status;
}

/**
 * The 403 reasons that mean "too many requests" (developers.google.com/calendar/api/guides/errors): the project's
 * or the user's rate, Calendar's usage limits, the daily quota. Google sends no Retry-After with them; it asks for
 * exponential backoff. Any other 403 (forbidden, insufficientPermissions, …) is a refusal, not a limit.
 */
const rateLimitReasons = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded']);

/** The `reason`s of a Google API error body (`{ error: { errors: [{ reason }] } }`). */
function reasonsOf(data: unknown): string[] {
  const errors = (data as { error?: { errors?: unknown } } | undefined)?.error?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e) => (typeof (e as { reason?: unknown })?.reason === 'string' ? [(e as { reason: string }).reason] : []));
}

/**
 * Google's errors as the service's: 410 → resync, 429 / a rate-limit 403 → RateLimitedError (Retry-After when
 * given, else backoff), invalid_grant or a 401 → reconnect, 5xx → transient, anything else a plain failure.
 * The original error is never kept as a cause: gaxios errors carry the request's headers (a bearer token) and
 * URLs (a revoked token), and would reach the logs.
 */
export function googleErrorOf(error: unknown, now: Date): Error {
  if ([GoogleGrantError, SyncTokenGoneError, RateLimitedError, TransientProviderError].some((type) => error instanceof type)) return error as Error;
  const status = statusOf(error);
  const response = (error as HttpishError)?.response;
  if (status === 410) return new SyncTokenGoneError('sync token expired');
  const reasons = reasonsOf(response?.data);
  if (status === 429 || (status === 403 && reasons.some((r) => rateLimitReasons.has(r)))) {
    return new RateLimitedError(`Google Calendar rate limited (${status} ${reasons.join(',') || 'no reason'})`, parseRetryAfter(response?.headers?.get?.('retry-after'), now));
  }
  const body = response?.data;
  const invalidGrant = typeof body === 'string' ? body.includes('invalid_grant') : (body as { error?: unknown } | undefined)?.error === 'invalid_grant';
  if (invalidGrant || status === 401) return new GoogleGrantError(`Google refused the grant (${status})`);
  if (status === undefined || status >= 500) return new TransientProviderError(`Google Calendar call failed (${status ?? (error as Error)?.name ?? 'network'})`);
  return new Error(`Google Calendar call answered ${status}${reasons.length > 0 ? ` (${reasons.join(',')})` : ''}`);
}
