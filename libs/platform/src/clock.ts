/** The only source of "now" for logic that depends on time: production uses the system clock, tests and development control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that runs with the system clock but can be moved forward (development mode's "advance time").
 * The offset only grows, so time never runs backwards for the service.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private readonly base: Clock;

  constructor(base: Clock = systemClock) {
    this.base = base;
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a clock can only move forward');
    this.offsetMs += ms;
    return this.now();
  }
}
