import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createTokenCipher, parseKeyring, TokenDecryptionError, tokenContext } from './token-cipher.ts';

const key = () => randomBytes(32).toString('base64');

describe('token cipher', () => {
  const ctx = tokenContext('user-1', 'whoop', 'access');

  it('round-trips, and never leaves the plaintext in the ciphertext', () => {
    const cipher = createTokenCipher(parseKeyring(`k1:${key()}`));
    const sealed = cipher.encrypt('secret-access-token', ctx);
    expect(sealed.toString('latin1')).not.toContain('secret-access-token');
    expect(cipher.decrypt(sealed, ctx)).toBe('secret-access-token');
    // A fresh IV each time: the same token never encrypts to the same bytes.
    expect(cipher.encrypt('secret-access-token', ctx).equals(sealed)).toBe(false);
  });

  it('rotates: the first key encrypts, older keys still decrypt, and the ciphertext names its key', () => {
    const oldKey = key();
    const before = createTokenCipher(parseKeyring(`old:${oldKey}`));
    const sealedOld = before.encrypt('t', ctx);
    const after = createTokenCipher(parseKeyring(`new:${key()},old:${oldKey}`));
    expect(after.currentKeyId).toBe('new');
    expect(after.keyIdOf(sealedOld)).toBe('old');
    expect(after.decrypt(sealedOld, ctx)).toBe('t');
    expect(after.keyIdOf(after.encrypt('t', ctx))).toBe('new');
  });

  it('refuses the wrong key, a dropped key, tampering and a ciphertext moved to another row', () => {
    const sealed = createTokenCipher(parseKeyring(`k1:${key()}`)).encrypt('t', ctx);
    expect(() => createTokenCipher(parseKeyring(`k1:${key()}`)).decrypt(sealed, ctx)).toThrow(TokenDecryptionError);
    expect(() => createTokenCipher(parseKeyring(`k2:${key()}`)).decrypt(sealed, ctx)).toThrow(/not configured/);
    const cipher = createTokenCipher(parseKeyring(`k1:${key()}`));
    const good = cipher.encrypt('t', ctx);
    const tampered = Buffer.from(good);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered, ctx)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(good, tokenContext('user-2', 'whoop', 'access'))).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(good, tokenContext('user-1', 'whoop', 'refresh'))).toThrow(TokenDecryptionError);
  });

  it('names what is wrong with a keyring without echoing key material', () => {
    expect(() => parseKeyring('')).toThrow(/no key/);
    expect(() => parseKeyring('nokid')).toThrow(/kid:base64key/);
    expect(() => parseKeyring('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    const k = key();
    expect(() => parseKeyring(`a:${k},a:${k}`)).toThrow(/unique/);
    const partial = k.slice(0, 20);
    const messageOf = (spec: string) => {
      try {
        parseKeyring(spec);
        return 'did not throw';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(messageOf(`k1:${partial}`)).toMatch(/32 bytes/);
    expect(messageOf(`k1:${partial}`)).not.toContain(partial);
  });
});
