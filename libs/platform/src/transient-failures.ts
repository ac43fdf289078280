/**
 * Whether an error means "a dependency is gone or busy right now" rather than "this request is wrong" or
 * "our code is wrong": the same call may succeed a moment later. Such failures are answered Unavailable
 * (503 with Retry-After at the edge), retried by consumers without limit instead of dead-lettering the
 * event, and never logged as crashes.
 *
 * Recognised by shape along the cause chain (Node's and pg's errors may come from another realm under jest):
 * - PostgreSQL SQLSTATEs: class 08 (connection exception), class 53 (insufficient resources, e.g. too many
 *   connections), 57P01–57P03 (admin or crash shutdown, cannot connect now: a restart or failover),
 *   40001 and 40P01 (serialization failure, deadlock: the transaction may simply be run again);
 * - socket errors (refused, reset, timed out, unreachable, DNS not answering yet);
 * - pg's own messages for a connection that died or could not be opened in time.
 */
export function isTransientFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error as Shape | null | undefined; typeof e === 'object' && e !== null && !seen.has(e); e = e.cause as Shape | undefined) {
    seen.add(e);
    if (typeof e.code === 'string' && (transientSqlState.test(e.code) || transientSocketCodes.has(e.code))) return true;
    if (typeof e.message === 'string' && transientPgMessage.test(e.message)) return true;
    if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientFailure(inner))) return true; // AggregateError (connect to ::1 and 127.0.0.1)
  }
  return false;
}

interface Shape {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const transientSqlState = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[123]|40001|40P01)$/;

const transientSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

const transientPgMessage =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/;
