import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { checkWhoopSignature } from './whoop-signature.ts';

const secret = 'client-secret';
const now = new Date('2026-06-10T12:00:00Z');
const body = Buffer.from('{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"recovery.updated","trace_id":"t-1"}');
// Computed here independently of the code under test, as the documentation states it.
const sign = (timestamp: string, raw: Buffer = body) => createHmac('sha256', secret).update(timestamp + raw.toString('utf8')).digest('base64');
const check = (signature: string, timestamp: string, raw: Buffer = body) =>
  checkWhoopSignature({ body: raw, signature, timestamp, secret, now, toleranceMs: 300_000 });

describe('checkWhoopSignature', () => {
  const ts = String(now.getTime() - 10_000);

  it('accepts a signature over timestamp + raw body', () => {
    expect(check(sign(ts), ts)).toEqual({ ok: true });
  });

  it('refuses a forged signature, a signature of another body, and one made with another secret', () => {
    expect(check(sign(ts).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), ts)).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(check(sign(ts, Buffer.from('{}')), ts)).toEqual({ ok: false, reason: 'invalid_signature' });
    const other = createHmac('sha256', 'other').update(ts + body.toString()).digest('base64');
    expect(check(other, ts)).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(check('short', ts)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses a signature moved to another timestamp', () => {
    const later = String(now.getTime());
    expect(check(sign(ts), later)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses timestamps outside the window either way, and malformed or missing ones', () => {
    const stale = String(now.getTime() - 300_001);
    const future = String(now.getTime() + 300_001);
    expect(check(sign(stale), stale)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(check(sign(future), future)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(check(sign('abc'), 'abc')).toEqual({ ok: false, reason: 'invalid_timestamp' });
    expect(check('', ts)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(check(sign(ts), '')).toEqual({ ok: false, reason: 'missing_signature' });
  });
});
