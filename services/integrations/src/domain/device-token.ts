import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@omtobe/platform';

/**
 * What a phone registers for pushes, checked and normalised before anything is stored. The token is personal
 * data (it reaches one phone): it is encrypted at rest, looked up by its sha256, and only a short hash of it is
 * ever logged.
 */
export type DevicePlatformName = 'ios' | 'android';
export type PushEnvironmentName = 'sandbox' | 'production';

export interface DeviceRegistration {
  platform: DevicePlatformName;
  environment: PushEnvironmentName;
  /** APNs tokens in lower case (Apple prints them either way); FCM tokens as given. */
  token: string;
}

// APNs device tokens are 32 bytes today; Apple says they may grow, so up to 100 bytes of hex are taken.
const APNS_TOKEN = /^[0-9a-f]{64,200}$/;
// FCM registration tokens are opaque; these are the characters they are made of (base64url, ':' and '.').
const FCM_TOKEN = /^[A-Za-z0-9_:.-]{1,4096}$/;
const maxTokenLength = 4_096;

export function validateDeviceRegistration(input: { platform: DevicePlatformName | undefined; environment: PushEnvironmentName | undefined; token: string }): DeviceRegistration {
  if (input.platform === undefined) throw new InvalidArgumentError('platform must be IOS or ANDROID', { reason: 'invalid_platform' });
  // The length before anything else: no trimming, case folding or pattern over an oversized token.
  if (input.token.length > maxTokenLength) throw new InvalidArgumentError(`a device token is at most ${maxTokenLength} characters`, { reason: 'invalid_device_token' });
  if (input.platform === 'ios') {
    const token = input.token.trim().toLowerCase();
    if (!APNS_TOKEN.test(token)) throw new InvalidArgumentError('an APNs device token is 64-200 hexadecimal digits', { reason: 'invalid_device_token' });
    return { platform: 'ios', environment: input.environment ?? 'production', token };
  }
  if (!FCM_TOKEN.test(input.token)) {
    throw new InvalidArgumentError('an FCM registration token is 1-4096 characters of letters, digits and _ : . -', { reason: 'invalid_device_token' });
  }
  // FCM has no sandbox: every Android device is reached through production.
  return { platform: 'android', environment: 'production', token: input.token };
}

/** The unique lookup of a token (a database leak does not hand out live tokens). */
export function deviceTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What a log line may say about a token: the first 8 hex digits of its sha256, enough to follow one device. */
export function tokenTag(token: string): string {
  return deviceTokenHash(token).slice(0, 8);
}

/** What a device token's ciphertext is bound to: its user and its row. */
export function deviceTokenContext(userId: string, deviceId: string): string {
  return `omtobe.integrations/device/${userId}/${deviceId}`;
}
