/** The only source of "now" for logic that depends on time: production uses the system clock, tests and development control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that runs with another (the system clock by default) but ahead of it by an offset that can be moved
 * forward (development mode's "advance time"). The offset only grows, so time never runs backwards for the
 * service. @omtobe/db's development clock keeps the offset in the service's schema.
 */
export class OffsetClock implements Clock {
  private offset: number;
  private readonly base: Clock;

  constructor(base: Clock = systemClock, offsetMs = 0) {
    if (!Number.isFinite(offsetMs) || offsetMs < 0) throw new RangeError('a clock can only run ahead of its base');
    this.base = base;
    this.offset = offsetMs;
  }

  /** How far ahead of its base the clock runs, in milliseconds. */
  get offsetMs(): number {
    return this.offset;
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a clock can only move forward');
    this.offset += ms;
    return this.now();
  }

  /** Runs `offsetMs` ahead of the base from now on, unless it already runs further ahead; answers the offset in force. */
  advanceTo(offsetMs: number): number {
    if (!Number.isFinite(offsetMs)) throw new RangeError('an offset must be a finite number of milliseconds');
    this.offset = Math.max(this.offset, offsetMs);
    return this.offset;
  }
}
