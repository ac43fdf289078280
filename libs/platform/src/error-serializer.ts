/**
 * How an error appears in a log line: its type, message, code (SQLSTATE, errno name, gRPC code), stack and
 * cause chain — nothing else. pino's default serializer copies every enumerable field, and some carry
 * personal data: PostgreSQL's `detail` ("Failing row contains (…)") and `where` can hold a meeting title or
 * an HRV value, a provider's error its response body, an AggregateError the inner errors' fields.
 */
export interface LoggedError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: LoggedError;
  errors?: LoggedError[];
}

export function serializeError(error: unknown, depth = 0): LoggedError | unknown {
  if (!(error instanceof Error) && !looksLikeError(error)) return error;
  const e = error as Error & { code?: unknown; cause?: unknown; errors?: unknown };
  const out: LoggedError = { type: e.name ?? e.constructor?.name ?? 'Error', message: String(e.message) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.stack === 'string') out.stack = e.stack;
  // Bounded: a cause cycle must not loop, and ten levels explain any failure we have.
  if (depth < 10 && e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1) as LoggedError;
  if (depth < 10 && Array.isArray(e.errors)) out.errors = e.errors.slice(0, 10).map((inner) => serializeError(inner, depth + 1) as LoggedError);
  return out;
}

// Errors from another realm (jest, worker threads) fail instanceof Error but have the shape.
function looksLikeError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && typeof (value as { stack?: unknown }).stack === 'string';
}
