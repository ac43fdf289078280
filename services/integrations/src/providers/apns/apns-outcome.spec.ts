import { describe, expect, it } from '@jest/globals';
import { apnsOutcome } from './apns-outcome.ts';

describe('APNs answers', () => {
  it.each([
    [{ status: 410, response: { reason: 'Unregistered', timestamp: 1 } }, 'device_gone'],
    [{ status: 410, response: { reason: 'ExpiredToken' } }, 'device_gone'],
    [{ status: 400, response: { reason: 'BadDeviceToken' } }, 'device_gone'],
    [{ status: 400, response: { reason: 'DeviceTokenNotForTopic' } }, 'failed'],
    [{ status: 413, response: { reason: 'PayloadTooLarge' } }, 'failed'],
    [{ status: 403, response: { reason: 'InvalidProviderToken' } }, 'failed'],
    [{ status: 403, error: new Error('ExpiredProviderToken'), response: { reason: 'ExpiredProviderToken' } }, 'retry'],
    [{ status: 429, response: { reason: 'TooManyRequests' } }, 'retry'],
    [{ status: 500, error: new Error('Error 500, stream ended unexpectedly') }, 'retry'],
    [{ status: 503, response: { reason: 'ServiceUnavailable' } }, 'retry'],
    [{ error: new Error('apn write timeout') }, 'retry'],
  ])('%j → %s', (failure, kind) => {
    expect(apnsOutcome(failure).kind).toBe(kind);
  });

  it('sent when nothing failed; reasons name status and APNs reason only', () => {
    expect(apnsOutcome(undefined)).toEqual({ kind: 'sent' });
    expect(apnsOutcome({ status: 410, response: { reason: 'Unregistered' } })).toEqual({ kind: 'device_gone', reason: 'apns 410 Unregistered' });
  });
});
