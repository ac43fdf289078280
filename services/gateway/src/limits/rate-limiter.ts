/**
 * Fixed windows of counts per key (a user id), in process. One limiter serves every protocol, so a user's
 * budget for a call is one whether it arrives over REST, Connect or gRPC. Keys are kept least-recently-seen
 * first and the oldest dropped beyond `trackedKeys`: memory stays bounded whatever the number of callers
 * (a dropped key starts a fresh window, the same trade @fastify/rate-limit makes).
 */
export interface RateLimiterOptions {
  max: number;
  windowMs: number;
  trackedKeys: number;
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Window {
  startedAt: number;
  count: number;
}

export class RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  private readonly trackedKeys: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();

  constructor(options: RateLimiterOptions) {
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.trackedKeys = options.trackedKeys;
    this.now = options.now ?? Date.now;
  }

  /** Counts one call of `key`'s; refused beyond `max` in the current window, with the time until it ends. */
  take(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= this.windowMs) window = { startedAt: now, count: 0 };
    this.windows.delete(key); // re-inserted last: the map's order is least recently seen first
    this.windows.set(key, window);
    if (this.windows.size > this.trackedKeys) this.windows.delete(this.windows.keys().next().value!);
    window.count += 1;
    if (window.count <= this.max) return { allowed: true };
    return { allowed: false, retryAfterMs: window.startedAt + this.windowMs - now };
  }
}

/** Whole seconds to wait, at least one: what Retry-After and the error message say. */
export function retryAfterSeconds(decision: { retryAfterMs: number }): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

/** The gateway's per-user limits, one limiter per limited operation, shared by REST and Connect. */
export interface UserRateLimits {
  /** CheckState (POST /api/v1/state/check): polled every minute by every active app. */
  checkState: RateLimiter;
}

export function createUserRateLimits(options: { checkPerMinute: number; trackedClients: number; now?: () => number }): UserRateLimits {
  return {
    checkState: new RateLimiter({ max: options.checkPerMinute, windowMs: 60_000, trackedKeys: options.trackedClients, ...(options.now ? { now: options.now } : {}) }),
  };
}
