// Every status a route can answer, for its `schema.response`: the success answers it names, the errors it can
// meet, and the ones every route can (500, and 503 while the gateway drains or a service behind it is away).
// Headers are part of the answer: Retry-After on 429 and 503, WWW-Authenticate on 401, X-RateLimit-* on the
// routes @fastify/rate-limit counts (on their successes and 429s; answers refused before its hook go without).
import { ref } from './schemas.ts';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;

export const retryAfter = { 'Retry-After': { type: 'integer', minimum: 0, description: 'seconds to wait before retrying' } } as const;

export const rateLimitHeaders = {
  'X-RateLimit-Limit': { type: 'integer', minimum: 0, description: 'requests allowed per window' },
  'X-RateLimit-Remaining': { type: 'integer', minimum: 0, description: 'requests left in this window' },
  'X-RateLimit-Reset': { type: 'integer', minimum: 0, description: 'seconds until the window resets' },
} as const;

const defaults: Record<ErrorStatus | 500 | 503, string> = {
  400: 'The request does not match the API: invalid_request (details name the fields), including a body that is not valid JSON.',
  401: 'No valid bearer token: missing_token, invalid_token or expired_token. WWW-Authenticate says so too (RFC 6750).',
  403: 'Refused: permission_denied or a more precise code.',
  404: 'user_not_registered: the caller has no profile — never registered, or erased (DELETE /api/v1/me). Register with POST /api/v1/users.',
  409: 'The request conflicts with the current state (failed_precondition or a more precise code).',
  413: 'The body is larger than the gateway accepts: payload_too_large.',
  415: 'The body is not JSON: unsupported_media_type.',
  422: 'Well-formed, but a value is refused (invalid_argument or a more precise code).',
  429: 'Too many requests: rate_limited. Retry after Retry-After seconds.',
  500: 'An unexpected failure: internal (logged; nothing of it is exposed).',
  503: 'Retryable: dependency_unavailable (a service behind the gateway, or the gateway itself shutting down), or a more precise code. Retry after Retry-After seconds.',
};

function headersFor(status: number, rateLimited: boolean) {
  if (status === 401) return { 'WWW-Authenticate': { type: 'string', description: 'Bearer realm="omtobe"; with error="invalid_token" when a token was sent (and error_description when it expired)' } };
  if (status === 429) return rateLimited ? { ...retryAfter, ...rateLimitHeaders } : retryAfter;
  if (status === 503) return retryAfter;
  return undefined;
}

export interface Answers {
  /** Success answers by status: a schema (or `{ type: 'null', description }` for no body). */
  success: Record<number, object>;
  /** The error statuses the route can answer, with a description when the default does not say it. */
  errors: Partial<Record<ErrorStatus | 503, string | true>>;
  /** The route is counted by @fastify/rate-limit (its X-RateLimit-* headers go with every answer). */
  rateLimited?: boolean;
}

export function answers({ success, errors, rateLimited = false }: Answers): Record<number, object> {
  const out: Record<number, object> = {};
  for (const [status, schema] of Object.entries(success)) {
    out[Number(status)] = rateLimited ? { ...schema, headers: { ...(schema as { headers?: object }).headers, ...rateLimitHeaders } } : schema;
  }
  const all: Partial<Record<number, string | true>> = { ...errors, 500: true };
  all[503] ??= true;
  for (const [key, text] of Object.entries(all)) {
    const status = Number(key) as ErrorStatus | 500 | 503;
    const headers = headersFor(status, rateLimited);
    out[status] = {
      ...ref('ErrorEnvelope'),
      description: text === true ? defaults[status] : text,
      ...(headers ? { headers } : {}),
    };
  }
  return out;
}

/** Statuses every route behind a bearer token can answer, besides its own. */
export const authenticated = { 401: true } as const;
/** Statuses of every route that reads a JSON body. */
export const jsonBody = { 400: true, 413: true, 415: true } as const;
/** The 409 of a route about a provider this server has no credentials for. */
export const notConfigured = 'provider_not_configured: the provider is not configured on this server.';
