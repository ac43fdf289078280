import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_signature' | 'invalid_timestamp' | 'stale_timestamp' | 'invalid_signature' };

/**
 * WHOOP signs `X-WHOOP-Signature-Timestamp` (epoch ms) + the raw body with the app's client secret:
 * base64(HMAC-SHA256). WHOOP documents no replay window, so we refuse timestamps further than
 * `toleranceMs` from now in either direction; replays inside the window are caught by trace id.
 */
export function checkWhoopSignature(input: {
  body: Uint8Array;
  signature: string;
  timestamp: string;
  secret: string;
  now: Date;
  toleranceMs: number;
}): SignatureCheck {
  if (input.signature === '' || input.timestamp === '') return { ok: false, reason: 'missing_signature' };
  if (!/^\d{1,16}$/.test(input.timestamp)) return { ok: false, reason: 'invalid_timestamp' };
  if (Math.abs(input.now.getTime() - Number(input.timestamp)) > input.toleranceMs) return { ok: false, reason: 'stale_timestamp' };
  const expected = whoopSignature(input.secret, input.timestamp, input.body);
  const given = Buffer.from(input.signature, 'utf8');
  // Compare fixed-length digests, so neither the length nor the content leaks through timing.
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? { ok: true } : { ok: false, reason: 'invalid_signature' };
}

/** The signature WHOOP sends for a delivery (also what the tests' fake WHOOP signs with). */
export function whoopSignature(secret: string, timestamp: string, body: Uint8Array): Buffer {
  const digest = createHmac('sha256', secret).update(timestamp, 'utf8').update(body).digest('base64');
  return Buffer.from(digest, 'utf8');
}
