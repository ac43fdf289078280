import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@omtobe/platform';
import { maxUserIdLength, requireUserId, userIdProblem } from './user-id.ts';

describe('user ids', () => {
  it.each(['auth0|5f7c8ec7c33c6c004bbafe82', '108234567890123456789', '001234.0a1b2c3d4e5f.0123', 'alice', 'a@b.example', 'x'.repeat(maxUserIdLength)])(
    'accepts %s',
    (id) => expect(userIdProblem(id)).toBeUndefined(),
  );

  it.each([
    ['', 'is empty'],
    ['x'.repeat(maxUserIdLength + 1), 'is longer than 128 characters'],
    ['alice smith', 'may hold only letters, digits and . _ : @ | -'],
    ['alice\n', 'may hold only letters, digits and . _ : @ | -'],
    ['ali/ce', 'may hold only letters, digits and . _ : @ | -'],
  ])('refuses %j: %s', (id, problem) => expect(userIdProblem(id)).toBe(problem));

  it('measures before it matches: a megabyte answers at once', () => {
    expect(userIdProblem('a'.repeat(1_000_000))).toBe('is longer than 128 characters');
  });
});

describe('requireUserId', () => {
  it('passes a user id through and refuses another with invalid_user_id, naming the field', () => {
    expect(requireUserId('auth0|abc')).toBe('auth0|abc');
    expect(() => requireUserId('alice smith', 'sub')).toThrow(expect.objectContaining({ message: 'sub may hold only letters, digits and . _ : @ | -', reason: 'invalid_user_id' }));
    expect(() => requireUserId('')).toThrow(InvalidArgumentError);
  });
});
