import { describe, expect, it } from '@jest/globals';
import { fcmOutcome } from './fcm-outcome.ts';

const now = new Date('2026-06-10T12:00:00Z');
const answer = (status: number, errorCode: string, extra: { headers?: Record<string, string>; field?: string; message?: string } = {}) => ({
  status,
  response: {
    status,
    headers: new Headers(extra.headers ?? {}),
    data: {
      error: {
        code: status,
        status: errorCode,
        message: extra.message ?? '',
        details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }, ...(extra.field ? [{ fieldViolations: [{ field: extra.field }] }] : [])],
      },
    },
  },
});

describe('FCM answers', () => {
  it('drops the device for UNREGISTERED and for an invalid token, not for other invalid arguments', () => {
    expect(fcmOutcome(answer(404, 'UNREGISTERED'), now)).toEqual({ kind: 'device_gone', reason: 'fcm 404 UNREGISTERED' });
    expect(fcmOutcome(answer(400, 'INVALID_ARGUMENT', { field: 'message.token' }), now).kind).toBe('device_gone');
    expect(fcmOutcome(answer(400, 'INVALID_ARGUMENT', { message: 'The registration token is not a valid FCM registration token' }), now).kind).toBe('device_gone');
    expect(fcmOutcome(answer(400, 'INVALID_ARGUMENT', { field: 'message.android.ttl' }), now).kind).toBe('failed');
    expect(fcmOutcome(answer(403, 'SENDER_ID_MISMATCH'), now).kind).toBe('failed');
  });

  it('retries 429 and 5xx after Retry-After when given, and network failures', () => {
    expect(fcmOutcome(answer(429, 'QUOTA_EXCEEDED', { headers: { 'retry-after': '30' } }), now)).toEqual({ kind: 'retry', reason: 'fcm 429 QUOTA_EXCEEDED', retryAfterMs: 30_000 });
    expect(fcmOutcome(answer(503, 'UNAVAILABLE'), now)).toEqual({ kind: 'retry', reason: 'fcm 503 UNAVAILABLE' });
    expect(fcmOutcome(answer(500, 'INTERNAL'), now).kind).toBe('retry');
    expect(fcmOutcome(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), now)).toEqual({ kind: 'retry', reason: 'fcm network: ECONNRESET' });
  });
});
