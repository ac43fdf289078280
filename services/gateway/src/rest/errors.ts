import { Code, ConnectError } from '@connectrpc/connect';
import {
  AlreadyExistsError,
  DomainError,
  errorReasonHeader,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  isTransientFailure,
  UnavailableError,
  type Logger,
} from '@omtobe/platform';
import { AuthenticationError } from '../auth/verifier.ts';

/** The one error envelope of the REST API: `{ error: { code, message, details } }`. */
export interface HttpError {
  status: number;
  code: string;
  message: string;
  details: unknown[];
}

// Schema-invalid or malformed requests are 400; well-formed requests with values the domain refuses are 422;
// a conflict with the current state (no pending brake, reflection not open) is 409.
const domainStatus: Array<[abstract new (...args: never[]) => DomainError, number, string]> = [
  [InvalidArgumentError, 422, 'invalid_argument'],
  [NotFoundError, 404, 'not_found'],
  [AlreadyExistsError, 409, 'already_exists'],
  [FailedPreconditionError, 409, 'failed_precondition'],
  [PermissionDeniedError, 403, 'permission_denied'],
  [ResourceExhaustedError, 429, 'rate_limited'],
];

const connectStatus: Partial<Record<Code, [number, string]>> = {
  [Code.InvalidArgument]: [422, 'invalid_argument'],
  [Code.OutOfRange]: [422, 'out_of_range'],
  [Code.NotFound]: [404, 'not_found'],
  [Code.AlreadyExists]: [409, 'already_exists'],
  [Code.FailedPrecondition]: [409, 'failed_precondition'],
  [Code.PermissionDenied]: [403, 'permission_denied'],
  [Code.Unauthenticated]: [401, 'unauthenticated'],
  [Code.ResourceExhausted]: [429, 'rate_limited'],
};

function unavailable(reason: string | undefined, message: string): HttpError {
  if (reason === 'registration_in_progress') return { status: 503, code: reason, message, details: [] };
  const service = reason?.startsWith('dependency_unavailable:') ? reason.slice('dependency_unavailable:'.length) : undefined;
  return { status: 503, code: 'dependency_unavailable', message, details: service ? [{ service }] : [] };
}

/** Maps anything a route throws to a status and envelope; unknown errors are logged and hidden. */
export function toHttpError(error: unknown, logger: Logger): HttpError {
  const e = error as { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>; statusCode?: number; code?: string; message?: string };
  if (e.validation) {
    const details = e.validation.map((v) => ({
      field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || String(v.params?.missingProperty ?? v.params?.additionalProperty ?? ''),
      problem: v.message ?? 'is invalid',
    }));
    return { status: 400, code: 'invalid_request', message: 'the request does not match the API', details };
  }
  if (error instanceof AuthenticationError) return { status: 401, code: error.code, message: error.message, details: [] };
  if (error instanceof UnavailableError) return unavailable(error.reason, error.message);
  if (error instanceof DomainError) {
    const [, status, fallback] = domainStatus.find(([type]) => error instanceof type) ?? [DomainError, 500, 'internal'];
    if (status < 500) return { status, code: error.reason ?? fallback, message: error.message, details: [] };
  }
  // The gateway's own database went away mid-request (a restart, a failover): retryable, and no bug.
  if (isTransientFailure(error)) return unavailable('dependency_unavailable:database', 'the database is unavailable; retry shortly');
  if (error instanceof ConnectError) {
    const reason = error.metadata.get(errorReasonHeader) ?? undefined;
    // Canceled and Aborted come from a peer that went away mid-call (see peers/call.ts): retryable too.
    if ([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.Aborted].includes(error.code)) {
      return unavailable(reason, 'a service behind the gateway is unavailable');
    }
    const mapped = connectStatus[error.code];
    if (mapped) return { status: mapped[0], code: reason ?? mapped[1], message: error.rawMessage, details: [] };
  }
  // fastify's own client errors (FST_ERR_*: body too large, bad content type or length, malformed JSON...):
  // the status fastify chose, with a code of ours that names it.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: clientErrorCodes[e.statusCode] ?? 'invalid_request', message: e.message ?? 'invalid request', details: [] };
  }
  logger.error({ err: error }, 'request failed');
  return { status: 500, code: 'internal', message: 'internal error', details: [] };
}

const clientErrorCodes: Record<number, string> = {
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/**
 * Errors fastify's router raises before any route, hook or error handler runs (its `frameworkErrors`):
 * a path whose percent-encoding does not decode, or a path parameter longer than the router's limit. Both
 * are a malformed request like any other; a provider name of 300 characters is as unknown as "fitbit".
 */
export function frameworkHttpError(error: Error & { code?: string }, logger: Logger): HttpError {
  if (error.code === 'FST_ERR_BAD_URL') {
    return { status: 400, code: 'invalid_request', message: 'the URL is not valid (malformed percent-encoding)', details: [{ field: 'url', problem: 'does not decode' }] };
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return { status: 400, code: 'invalid_request', message: 'the request does not match the API', details: [{ field: 'url', problem: 'a path parameter is too long' }] };
  }
  return toHttpError(error, logger);
}
