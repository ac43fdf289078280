import { describe, expect, it } from '@jest/globals';
import { defaultPageSize, maxPageSize, resolvePageSize } from './paging.ts';

describe('resolvePageSize', () => {
  it('uses the default for 0 and the cap above it', () => {
    expect(defaultPageSize).toBe(20);
    expect(maxPageSize).toBe(100);
    expect(resolvePageSize(0)).toBe(20);
    expect(resolvePageSize(1)).toBe(1);
    expect(resolvePageSize(100)).toBe(100);
    expect(resolvePageSize(101)).toBe(100);
    expect(resolvePageSize(4_294_967_295)).toBe(100);
  });
});
