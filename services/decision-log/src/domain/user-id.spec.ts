import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@omtobe/platform';
import { requireUserId } from './user-id.ts';

describe('requireUserId', () => {
  it('passes a user id through and refuses an empty, blank or overlong one', () => {
    expect(requireUserId('auth0|abc')).toBe('auth0|abc');
    for (const bad of ['', '   ', 'x'.repeat(257)]) {
      expect(() => requireUserId(bad)).toThrow(InvalidArgumentError);
    }
  });
});
