/** The calls the simulated app makes, by what they are for: recovery is measured per kind. */
export type CallKind = 'register' | 'cycle-day' | 'event' | 'hrv-drop' | 'check' | 'decide' | 'upload' | 'history';

/** An HTTP status, or no answer at all: the connection failed or was cut (`network`), or nothing came in time (`timeout`). */
export type Outcome = number | 'network' | 'timeout';

export interface CallRecord {
  kind: CallKind;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  /** For answers other than 2xx: the Retry-After header, whether the body is the error envelope, and the body (cut short). */
  retryAfter?: string | null;
  envelope?: boolean;
  body?: string;
  /** For network failures: the cause's code or message. */
  error?: string;
}

export const isSuccess = (outcome: Outcome): boolean => typeof outcome === 'number' && outcome >= 200 && outcome < 300;

/** What an app retries with the same request (and Idempotency-Key): a 503, or no answer. */
export const isRetryable = (outcome: Outcome): boolean => outcome === 503 || outcome === 'network' || outcome === 'timeout';

/** Every call of a run, in the order they ended. */
export class CallLog {
  readonly records: CallRecord[] = [];

  add(record: CallRecord): void {
    this.records.push(record);
  }

  /** The calls that ended in [from, to). */
  between(from: number, to = Infinity): CallRecord[] {
    return this.records.filter((r) => r.endedAt >= from && r.endedAt < to);
  }
}

/** `{error:{code,message,details}}` with a string code and message and an array of details. */
export function isErrorEnvelope(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string' && Array.isArray(error.details);
}
