import { describe, expect, it } from '@jest/globals';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError } from '@omtobe/platform';
import { summaryRange } from './summary-range.ts';

const at = (iso: string) => timestampFromDate(new Date(iso));

describe('summaryRange', () => {
  it('takes [from, to) when from is before to', () => {
    expect(summaryRange(at('2025-01-01T00:00:00Z'), at('2025-02-01T00:00:00Z'))).toEqual({
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-02-01T00:00:00Z'),
    });
  });

  it.each([
    ['from missing', undefined, at('2025-01-01T00:00:00Z'), /from is required/],
    ['to missing', at('2025-01-01T00:00:00Z'), undefined, /to is required/],
    ['empty range', at('2025-01-01T00:00:00Z'), at('2025-01-01T00:00:00Z'), /from must be before to/],
    ['reversed range', at('2025-02-01T00:00:00Z'), at('2025-01-01T00:00:00Z'), /from must be before to/],
  ])('refuses %s', (_name, from, to, message) => {
    let error: unknown;
    try {
      summaryRange(from, to);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
    expect((error as InvalidArgumentError).reason).toBe('invalid_range');
  });
});
