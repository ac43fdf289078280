import { AuthenticationHandler, Client, GraphError, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import type { Clock, Logger } from '@omtobe/platform';
import { parseRetryAfter, RateLimitedError, TransientProviderError, withRetries } from '../../domain/rate-limit.ts';
import type { GraphEvent } from './graph-event.ts';
import { CaTrustingHttpHandler } from './https-transport.ts';
import type { MicrosoftSettings } from './microsoft-settings.ts';

/** 401: the access token is no longer good (refresh once, then give up). */
export class GraphUnauthorizedError extends Error {}
/** 410 Gone for a delta link: the sync state is lost; the next listing starts over without it. */
export class DeltaGoneError extends Error {}
/** 404 for a subscription: Graph no longer has it (expired, removed). */
export class SubscriptionNotFoundError extends Error {}

export interface DeltaPage {
  events: GraphEvent[];
  /** The next page of this round (absolute URL). */
  nextLink?: string;
  /** The last page: where the next round starts (absolute URL, kept whole). */
  deltaLink?: string;
}

export interface SubscriptionRequest {
  notificationUrl: string;
  clientState: string;
  expiresAt: Date;
}

/** Graph calls with one access token; each call retries 429/503 after Retry-After and 5xx with backoff, inline up to a limit. */
export interface GraphSession {
  /** The first page of a new calendar view (window), or the page at a nextLink/deltaLink. */
  delta(from: { start: Date; end: Date } | { link: string }): Promise<DeltaPage>;
  createSubscription(request: SubscriptionRequest): Promise<{ id: string; expiresAt: Date }>;
  renewSubscription(id: string, expiresAt: Date): Promise<Date>;
  deleteSubscription(id: string): Promise<void>;
}

export interface GraphApi {
  session(accessToken: string): GraphSession;
}

export interface GraphApiOptions {
  settings: MicrosoftSettings;
  clock: Clock;
  logger: Logger;
  /** A Retry-After longer than this is not waited for inline: the sync is rescheduled instead. */
  maxInlineWaitMs: number;
  /** Injected so tests record the waits instead of sitting through them. */
  sleep: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

/**
 * Microsoft Graph v1.0 through `@microsoft/microsoft-graph-client`. The middleware chain is the library's own
 * authentication handler and HTTP handler, **without its RetryHandler**: that one sleeps on the wall clock for up
 * to 180 s inside a call, while retries here follow domain/rate-limit.ts (Retry-After honoured, short waits
 * inline, long ones reschedule the sync on the service's clock).
 *
 * Every delta request says `Prefer: outlook.timezone="UTC"`: Graph then writes `start`/`end` as UTC wall-clock
 * times with `timeZone: "UTC"` (it has no offsets), instead of the mailbox's zone, often a Windows zone name.
 */
export function createGraphApi(options: GraphApiOptions): GraphApi {
  const { settings, clock, logger } = options;
  const base = new URL(settings.graphBaseUrl);
  const preferDelta = 'outlook.timezone="UTC", odata.maxpagesize=50';

  const client = (accessToken: string) => {
    const auth = new AuthenticationHandler({ getAccessToken: async () => accessToken });
    const http: Middleware = settings.caPem ? new CaTrustingHttpHandler(settings.caPem) : new HTTPMessageHandler();
    auth.setNext(http);
    return Client.initWithMiddleware({
      middleware: auth,
      baseUrl: base.origin,
      defaultVersion: 'v1.0',
      // A host other than graph.microsoft.com gets the bearer token only when listed (hostname, no port).
      ...(base.hostname === 'graph.microsoft.com' ? {} : { customHosts: new Set([base.hostname]) }),
    });
  };

  const call = <T>(what: string, request: () => Promise<T>): Promise<T> =>
    withRetries(
      async () => {
        try {
          return await request();
        } catch (error) {
          throw graphFailure(error, what, clock.now());
        }
      },
      {
        maxAttempts: options.maxAttempts ?? 4,
        maxWaitMs: options.maxInlineWaitMs,
        baseMs: 1_000,
        sleep: options.sleep,
        onRetry: ({ attempt, waitMs, error }) => logger.info({ provider: 'microsoft', attempt, wait_ms: waitMs, err: error.message }, 'Graph call retried'),
      },
    );

  return {
    session(accessToken) {
      const graph = client(accessToken);
      return {
        async delta(from) {
          const request =
            'link' in from
              ? graph.api(from.link)
              : graph.api('/me/calendarView/delta').query({ startDateTime: from.start.toISOString(), endDateTime: from.end.toISOString() });
          const body = await call('calendarView delta', () => request.header('Prefer', preferDelta).get() as Promise<Record<string, unknown>>);
          const page: DeltaPage = { events: (body.value as GraphEvent[] | undefined) ?? [] };
          if (typeof body['@odata.nextLink'] === 'string') page.nextLink = body['@odata.nextLink'];
          if (typeof body['@odata.deltaLink'] === 'string') page.deltaLink = body['@odata.deltaLink'];
          if (!page.nextLink && !page.deltaLink) throw new Error('Graph delta page without nextLink or deltaLink');
          return page;
        },
        async createSubscription(req) {
          const body = (await call('create subscription', () =>
            graph.api('/subscriptions').post({
              changeType: 'created,updated,deleted',
              notificationUrl: req.notificationUrl,
              lifecycleNotificationUrl: req.notificationUrl,
              resource: '/me/events',
              expirationDateTime: req.expiresAt.toISOString(),
              clientState: req.clientState,
            }),
          )) as { id: string; expirationDateTime: string };
          return { id: body.id, expiresAt: new Date(body.expirationDateTime) };
        },
        async renewSubscription(id, expiresAt) {
          const body = (await call('renew subscription', () =>
            graph.api(`/subscriptions/${encodeURIComponent(id)}`).patch({ expirationDateTime: expiresAt.toISOString() }),
          )) as { expirationDateTime: string };
          return new Date(body.expirationDateTime);
        },
        async deleteSubscription(id) {
          await call('delete subscription', () => graph.api(`/subscriptions/${encodeURIComponent(id)}`).delete());
        },
      };
    },
  };
}

/** A Graph answer in our terms (domain/rate-limit.ts for the retryable ones). Never carries a token. */
export function graphFailure(error: unknown, what: string, now: Date): Error {
  if (!(error instanceof GraphError)) return error instanceof Error ? error : new Error(String(error));
  const status = error.statusCode;
  const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'), now);
  if (status === 401) return new GraphUnauthorizedError(`Graph ${what}: 401 ${error.code ?? ''}`);
  if (status === 410) return new DeltaGoneError(`Graph ${what}: 410 ${error.code ?? ''}`);
  if (status === 404 && what.includes('subscription')) return new SubscriptionNotFoundError(`Graph ${what}: 404`);
  if (status === 429) return new RateLimitedError(`Graph ${what}: 429`, retryAfterMs);
  // 503 with Retry-After is Graph throttling too (learn.microsoft.com/graph/throttling).
  if (status === 503 && retryAfterMs !== undefined) return new RateLimitedError(`Graph ${what}: 503`, retryAfterMs);
  if (status >= 500 || status === -1) return new TransientProviderError(`Graph ${what}: ${status === -1 ? 'no answer' : status}`, { cause: error });
  return new Error(`Graph ${what}: ${status} ${error.code ?? ''}`.trim());
}
