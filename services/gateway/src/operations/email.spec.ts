import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { emailAddress } from './email.ts';

describe('emailAddress', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('takes an address, trimmed', () => {
    expect(emailAddress('  alice@example.com ')).toBe('alice@example.com');
    expect(emailAddress(`${'a'.repeat(64)}@${'b'.repeat(185)}.com`)).toHaveLength(254);
  });

  it('refuses what is not one', () => {
    for (const raw of ['', 'alice', 'alice@', '@example.com', 'a b@example.com', 'alice@example', `${'a'.repeat(65)}@example.com`]) {
      expect([raw, emailAddress(raw)]).toEqual([raw, undefined]);
    }
  });

  it('refuses an address over 254 characters by its length, without running the pattern', () => {
    const test = jest.spyOn(RegExp.prototype, 'test');
    for (const raw of [`${'a'.repeat(64)}@${'b'.repeat(186)}.com`, `a@${'b'.repeat(100_000)}.com`, `${' '.repeat(2_000)}a@b.com`]) {
      expect(emailAddress(raw)).toBeUndefined();
    }
    expect(test).not.toHaveBeenCalled();
  });

  it('answers a 100 KB "address" at once', () => {
    const hostile = `${'a'.repeat(64)}@${'b.'.repeat(50_000)}`;
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) emailAddress(hostile);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
