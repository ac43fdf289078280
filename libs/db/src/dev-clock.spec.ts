import { describe, expect, it } from '@jest/globals';
import { FailedPreconditionError, InvalidArgumentError } from '@omtobe/platform';
import { advanceDevClock, checkDevClockOffset, maxDevClockOffsetMs } from './dev-clock.ts';

describe('checkDevClockOffset', () => {
  it('takes whole milliseconds from 0 to ten years', () => {
    expect(checkDevClockOffset(0)).toBe(0);
    expect(checkDevClockOffset(3 * 24 * 3_600_000)).toBe(3 * 24 * 3_600_000);
    expect(checkDevClockOffset(maxDevClockOffsetMs)).toBe(maxDevClockOffsetMs);
  });

  it.each([-1, 0.5, maxDevClockOffsetMs + 1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p as invalid_offset', (offset) => {
    expect(() => checkDevClockOffset(offset)).toThrow(InvalidArgumentError);
    expect(() => checkDevClockOffset(offset)).toThrow(expect.objectContaining({ reason: 'invalid_offset' }));
  });
});

describe('advanceDevClock', () => {
  it('refuses outside development mode (no development clock) as development_only', async () => {
    const refused = advanceDevClock(undefined, 60_000);
    await expect(refused).rejects.toThrow(FailedPreconditionError);
    await expect(advanceDevClock(undefined, 0)).rejects.toMatchObject({ reason: 'development_only' });
  });
});
