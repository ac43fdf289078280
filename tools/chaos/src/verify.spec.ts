import { describe, expect, it } from '@jest/globals';
import { compare } from './verify.ts';

describe('compare', () => {
  it('finds what is missing, held twice, and held without an acknowledgement', () => {
    expect(compare(['a', 'b', 'c'], ['a', 'c', 'c', 'x'])).toEqual({ acknowledged: 3, missing: ['b'], duplicated: ['c'], unacknowledged: 1 });
  });

  it('is clean when everything acknowledged is held once', () => {
    expect(compare(['a', 'b'], ['b', 'a'])).toEqual({ acknowledged: 2, missing: [], duplicated: [], unacknowledged: 0 });
  });
});
