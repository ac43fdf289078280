/**
 * Rate limits and transient failures of provider APIs. A provider's 429 says how long to wait
 * (Retry-After); short waits are taken inline, longer ones end the sync and reschedule it at the
 * time the provider named (the sync worker reads `retryAt`).
 */
export class RateLimitedError extends Error {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** A 5xx or a network failure: worth another try after a pause. */
export class TransientProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientProviderError';
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An IMF-fixdate such as "Wed, 21 Oct 2015 07:28:00 GMT" (Date.parse alone would take "-5" as a year).
  const date = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** Exponential backoff with full jitter: attempt 1 waits up to base, attempt 2 up to 2×base, … capped. */
export function backoffMs(attempt: number, options: { baseMs: number; capMs: number; random?: () => number }): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * (options.random ?? Math.random)());
}

export interface RetryOptions {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** A Retry-After longer than this is not waited for inline. */
  maxWaitMs: number;
  baseMs: number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; waitMs: number; error: Error }) => void;
}

/**
 * Runs `call`, waiting and retrying on RateLimitedError (for Retry-After, else backoff) and on
 * TransientProviderError (backoff). Gives up by rethrowing the last error; a rate limit whose wait is too
 * long for inline is rethrown at once, so the caller can reschedule.
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RateLimitedError || error instanceof TransientProviderError) || attempt >= options.maxAttempts) throw error;
      const backoff = backoffMs(attempt, { baseMs: options.baseMs, capMs: options.maxWaitMs, ...(options.random ? { random: options.random } : {}) });
      const waitMs = error instanceof RateLimitedError ? (error.retryAfterMs ?? backoff) : backoff;
      if (waitMs > options.maxWaitMs) throw error;
      options.onRetry?.({ attempt, waitMs, error });
      await options.sleep(waitMs);
    }
  }
}
