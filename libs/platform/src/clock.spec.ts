import { describe, expect, it } from '@jest/globals';
import { OffsetClock, type Clock } from './clock.ts';

const fixed = (iso: string): Clock => ({ now: () => new Date(iso) });

describe('OffsetClock', () => {
  it('starts at the offset it is given and runs with its base', () => {
    const clock = new OffsetClock(fixed('2026-03-01T10:00:00Z'), 90_000);
    expect(clock.offsetMs).toBe(90_000);
    expect(clock.now().toISOString()).toBe('2026-03-01T10:01:30.000Z');
  });

  it('moves to a larger offset and never back (a repeated move moves once)', () => {
    const clock = new OffsetClock(fixed('2026-03-01T10:00:00Z'));
    expect(clock.advanceTo(3_600_000)).toBe(3_600_000);
    expect(clock.advanceTo(3_600_000)).toBe(3_600_000);
    expect(clock.advanceTo(60_000)).toBe(3_600_000);
    expect(clock.now().toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(clock.advance(60_000).toISOString()).toBe('2026-03-01T11:01:00.000Z');
  });

  it('refuses to run behind its base or move by a negative or endless amount', () => {
    expect(() => new OffsetClock(fixed('2026-03-01T10:00:00Z'), -1)).toThrow(RangeError);
    expect(() => new OffsetClock().advance(-1)).toThrow(RangeError);
    expect(() => new OffsetClock().advanceTo(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
