import { describe, expect, it } from '@jest/globals';
import { apnsPush, collapseKey, describePush, fcmMessage, pushData, type PushIntent } from './push-message.ts';

const expiresAt = new Date('2026-06-10T14:00:00Z');
const now = new Date('2026-06-10T13:00:00Z');
const brake: PushIntent = { kind: 'brake', transitionId: 't-1', eventId: 'google:' + 'x'.repeat(300), expiresAt };
const reading: PushIntent = { kind: 'reading', transitionId: 't-2', eventId: 'ev-2', expiresAt };
const reflection: PushIntent = { kind: 'reflection', transitionId: 't-3', expiresAt };
const off = { breathePrompt: false };

describe('push messages', () => {
  it('a brake: a visible, time-sensitive alert at priority 10, collapsing per event (≤ 64 bytes however long the id), expiring at the end', () => {
    const apns = apnsPush(brake, off);
    expect(apns).toMatchObject({ pushType: 'alert', priority: 10, expiration: expiresAt.getTime() / 1000 });
    expect(apns.payload.aps).toMatchObject({ 'interruption-level': 'time-sensitive', alert: { title: 'A decision moment', body: 'Does this need to be finalised now?' } });
    expect(Buffer.byteLength(apns.collapseId!)).toBeLessThanOrEqual(64);
    expect(collapseKey({ ...brake, transitionId: 'another raise' })).toBe(apns.collapseId);
    expect(collapseKey({ ...brake, eventId: 'other event' })).not.toBe(apns.collapseId);
    expect(fcmMessage(brake, now, off)).toMatchObject({ notification: { title: 'A decision moment' }, android: { priority: 'HIGH', ttl: '3600s', collapse_key: apns.collapseId } });
  });

  it('a reading request: silent (content-available alone, background, priority 5; FCM data-only, normal), or with the Breathe alert when configured', () => {
    const apns = apnsPush(reading, off);
    expect(apns).toMatchObject({ pushType: 'background', priority: 5 });
    expect(apns.payload.aps).toEqual({ 'content-available': 1 });
    expect(apns.collapseId).toBeUndefined();
    const fcm = fcmMessage(reading, now, off);
    expect(fcm.notification).toBeUndefined();
    expect(fcm.android).toEqual({ priority: 'NORMAL', ttl: '3600s' });
    const breathe = apnsPush(reading, { breathePrompt: true });
    expect(breathe).toMatchObject({ pushType: 'alert', priority: 5 });
    expect(breathe.payload.aps).toMatchObject({ 'content-available': 1, alert: { body: 'Take a one-minute Breathe session.' } });
    expect(fcmMessage(reading, now, { breathePrompt: true }).notification).toEqual({ title: 'A fresh reading', body: 'Take a one-minute Breathe session.' });
  });

  it('a reflection: visible at normal priority', () => {
    expect(apnsPush(reflection, off)).toMatchObject({ pushType: 'alert', priority: 5 });
    expect(fcmMessage(reflection, now, off).android.priority).toBe('NORMAL');
  });

  it('carries kind, ids and expiry as strings, nothing else; FCM ttl never negative', () => {
    expect(pushData(reading)).toEqual({ kind: 'reading', transition_id: 't-2', event_id: 'ev-2', expires_at: '2026-06-10T14:00:00.000Z' });
    expect(pushData(reflection)).toEqual({ kind: 'reflection', transition_id: 't-3', expires_at: '2026-06-10T14:00:00.000Z' });
    expect(fcmMessage(brake, new Date('2026-06-10T15:00:00Z'), off).android.ttl).toBe('0s');
    for (const intent of [brake, reading, reflection]) {
      for (const body of [JSON.stringify(apnsPush(intent, off).payload), JSON.stringify(fcmMessage(intent, now, off))]) {
        expect(Buffer.byteLength(body)).toBeLessThan(4096);
      }
    }
  });

  it('describes a push in one readable line for the development log', () => {
    expect(describePush({ ...brake, eventId: 'ev' }, { platform: 'ios', tag: '1a2b3c4d' }, off)).toBe(
      `push → ios …1a2b3c4d: brake (time-sensitive, collapse ${collapseKey({ ...brake, eventId: 'ev' })}) until 2026-06-10T14:00Z`,
    );
    expect(describePush(reading, { platform: 'android', tag: 'ffff0000' }, off)).toBe('push → android …ffff0000: reading request (background) until 2026-06-10T14:00Z');
  });
});
