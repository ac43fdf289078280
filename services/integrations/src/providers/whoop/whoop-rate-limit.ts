/**
 * WHOOP's rate-limit headers (developer.whoop.com, "API Rate Limiting"): every answer carries
 * `X-RateLimit-Limit: 100, 100;window=60, 10000;window=86400` (the limit the app is closest to, then each
 * window), `X-RateLimit-Remaining: 98` (requests left in that closest window) and `X-RateLimit-Reset: 3`
 * (seconds until that window refills). The limits are per app, not per user: 100 a minute and 10,000 a day by
 * default. A 429 names no Retry-After; the reset is how long to wait, and it may be hours when the day's
 * quota is gone.
 */
export interface WhoopRateLimit {
  /** Requests left in the window the app is closest to exhausting. */
  remaining: number;
  /** When that window refills, in ms from the answer. */
  resetMs: number;
}

const wholeNumber = /^\d+$/;

/** The headers of one answer; undefined when they are absent or unreadable (then nothing is known). */
export function readWhoopRateLimit(headers: { get(name: string): string | null }): WhoopRateLimit | undefined {
  const remaining = headers.get('x-ratelimit-remaining')?.trim();
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (!remaining || !reset || !wholeNumber.test(remaining) || !wholeNumber.test(reset)) return undefined;
  return { remaining: Number(remaining), resetMs: Number(reset) * 1000 };
}

/**
 * How long to hold the next request after an answer: until the reset when the answer spent the last
 * request of its window (or was refused for the limit), nothing otherwise.
 */
export function whoopPauseMs(limit: WhoopRateLimit | undefined, refused: boolean): number | undefined {
  if (!limit) return undefined;
  return limit.remaining === 0 || refused ? limit.resetMs : undefined;
}
