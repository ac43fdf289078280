import { describe, expect, it } from '@jest/globals';
import { TestClock } from './clock.ts';

describe('TestClock', () => {
  it('stands still until told to move', () => {
    const clock = new TestClock('2025-03-01T10:00:00Z');
    expect(clock.now().toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2025-03-01T10:00:00.000Z');
  });

  it('advances by milliseconds and jumps with set', () => {
    const clock = new TestClock(new Date('2025-03-01T10:00:00Z'));
    expect(clock.advance(20 * 60_000).toISOString()).toBe('2025-03-01T10:20:00.000Z');
    clock.set('2025-02-28T23:59:59.999Z');
    expect(clock.now().toISOString()).toBe('2025-02-28T23:59:59.999Z');
  });

  it('hands out copies, so mutating a returned Date does not move the clock', () => {
    const clock = new TestClock('2025-03-01T10:00:00Z');
    clock.now().setUTCFullYear(1999);
    expect(clock.now().getUTCFullYear()).toBe(2025);
  });

  it('rejects invalid input', () => {
    const clock = new TestClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.set('not a date')).toThrow(RangeError);
  });
});
