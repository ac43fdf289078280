import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@omtobe/platform';
import { deviceTokenContext, deviceTokenHash, tokenTag, validateDeviceRegistration } from './device-token.ts';

const reasonOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).reason;
  }
  return 'accepted';
};

describe('device registration', () => {
  it('takes APNs tokens of 64-200 hex digits, in lower case, production unless sandbox is said', () => {
    const token = 'A1'.repeat(32);
    expect(validateDeviceRegistration({ platform: 'ios', environment: undefined, token })).toEqual({ platform: 'ios', environment: 'production', token: 'a1'.repeat(32) });
    expect(validateDeviceRegistration({ platform: 'ios', environment: 'sandbox', token: 'f'.repeat(200) }).environment).toBe('sandbox');
    for (const bad of ['f'.repeat(63), 'f'.repeat(201), `${'f'.repeat(63)}g`, `${'ab'.repeat(16)} ${'ab'.repeat(16)}`, '']) {
      expect(reasonOf(() => validateDeviceRegistration({ platform: 'ios', environment: undefined, token: bad }))).toBe('invalid_device_token');
    }
  });

  it('takes FCM tokens of 1-4096 characters of [A-Za-z0-9_:.-] as they are, always production', () => {
    const token = 'dGVzdA:APA91b-Zz_0.9';
    expect(validateDeviceRegistration({ platform: 'android', environment: 'sandbox', token })).toEqual({ platform: 'android', environment: 'production', token });
    expect(validateDeviceRegistration({ platform: 'android', environment: undefined, token: 'x'.repeat(4096) }).token).toHaveLength(4096);
    for (const bad of ['', 'x'.repeat(4097), 'a b', 'a/b', 'ä']) {
      expect(reasonOf(() => validateDeviceRegistration({ platform: 'android', environment: undefined, token: bad }))).toBe('invalid_device_token');
    }
  });

  it('refuses a missing platform', () => {
    expect(reasonOf(() => validateDeviceRegistration({ platform: undefined, environment: undefined, token: 'f'.repeat(64) }))).toBe('invalid_platform');
  });

  it('hashes for the lookup, tags for logs (8 hex digits of the hash, never the token), binds ciphertexts to user and row', () => {
    const token = 'ab'.repeat(32);
    expect(deviceTokenHash(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(tokenTag(token)).toBe(deviceTokenHash(token).slice(0, 8));
    expect(token).not.toContain(tokenTag(token));
    expect(deviceTokenContext('u1', 'd1')).toBe('omtobe.integrations/device/u1/d1');
  });
});
