import type { Clock } from '@omtobe/platform';

/** A clock that only moves when the test says so. */
export class TestClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2025-01-06T08:00:00.000Z') {
    this.current = toMillis(start);
  }

  /** A new Date each call, so callers cannot move the clock by mutating what they got. */
  now(): Date {
    return new Date(this.current);
  }

  /** Jumps to any instant, backwards included (e.g. to test clock skew). */
  set(date: Date | string): Date {
    this.current = toMillis(date);
    return this.now();
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance takes a finite, non-negative number of ms, got ${ms}`);
    this.current += ms;
    return this.now();
  }
}

function toMillis(date: Date | string): number {
  const ms = (typeof date === 'string' ? new Date(date) : date).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`invalid date: ${String(date)}`);
  return ms;
}
