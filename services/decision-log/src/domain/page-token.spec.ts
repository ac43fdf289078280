import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidArgumentError } from '@omtobe/platform';
import { decodePageToken, encodePageToken, type PageCursor } from './page-token.ts';

const cursor: PageCursor = { time: new Date('2025-01-08T10:00:00.123Z'), id: '0b7e7a51-3c1b-4a8e-9d0a-5f3d2c1b0a99' };

function rejectionOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the token to be refused');
}

function expectInvalid(token: string, kind: 'decisions' | 'reflections' = 'decisions'): void {
  const error = rejectionOf(() => decodePageToken(kind, token));
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as InvalidArgumentError).reason).toBe('invalid_page_token');
}

describe('page tokens', () => {
  it('stand for nothing when empty (the first page)', () => {
    expect(decodePageToken('decisions', '')).toBeUndefined();
  });

  it('round-trip any time and id exactly, and are url-safe', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.uuid(), (time, id) => {
        const token = encodePageToken('reflections', { time, id });
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodePageToken('reflections', token)).toEqual({ time, id });
      }),
    );
  });

  it('are versioned base64url of time and id', () => {
    const token = encodePageToken('decisions', cursor);
    expect(Buffer.from(token, 'base64url').toString()).toBe(`1.d.${cursor.time.getTime()}.${cursor.id}`);
  });

  it('refuse garbage, other versions and another list\'s token', () => {
    const encode = (payload: string) => Buffer.from(payload).toString('base64url');
    expectInvalid('not a token!');
    expectInvalid('%%%');
    expectInvalid(encode('hello'));
    expectInvalid(encode(JSON.stringify(cursor)));
    expectInvalid(encode(`2.d.${cursor.time.getTime()}.${cursor.id}`));
    expectInvalid(encode(`1.d.${cursor.time.getTime()}.not-a-uuid`));
    expectInvalid(encode(`1.d.-5.${cursor.id}`));
    expectInvalid(encode(`1.d.99999999999999999999.${cursor.id}`));
    expectInvalid(encodePageToken('decisions', cursor), 'reflections');
    expectInvalid('A'.repeat(500));
  });

  it('refuse a token altered by a character, padded, or with anything appended', () => {
    const token = encodePageToken('decisions', cursor);
    expectInvalid(`${token}=`);
    expectInvalid(`${token}A`);
    expectInvalid(` ${token}`);
    // Flipping any one character either breaks the payload or the exact encoding.
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (at, char) => {
        const altered = token.slice(0, at) + char + token.slice(at + 1);
        fc.pre(altered !== token);
        let decoded: PageCursor | undefined;
        try {
          decoded = decodePageToken('decisions', altered);
        } catch (error) {
          expect((error as InvalidArgumentError).reason).toBe('invalid_page_token');
          return;
        }
        // A flip that still reads as a well-formed cursor is simply another position in the same user's list.
        expect(encodePageToken('decisions', decoded!)).toBe(altered);
      }),
    );
  });
});
