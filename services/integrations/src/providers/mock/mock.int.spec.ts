import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { UserRegisteredSchema } from '@omtobe/proto/gateway/v1';
import { CalendarSource, HighStakesEventUpsertedSchema, HrvMetric, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import { harnessPerFile, startHarness, topics, type Harness } from '../../../test/harness.ts';
import { tickMockCalendar } from './mock-calendar.ts';
import { tickMockHrv } from './mock-hrv.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;

async function register(h: Harness, userId: string, timezone = 'Europe/London') {
  await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone, registeredAt: timestampFromDate(h.clock.now()) }));
}

describe('mock providers (development)', () => {
  let h: Harness;
  harnessPerFile(() => startHarness({ start: now0, mode: 'development' }), (started) => (h = started));

  it('gives a newly registered user a week of SDNN history and a calendar whose ordinary events are dropped', async () => {
    await register(h, 'demo');
    const data = await h.client.exportUserData({ userId: 'demo' });
    expect(data.hrvSamples.length).toBeGreaterThanOrEqual(7 * 8 - 1);
    expect(data.hrvSamples.every((s) => s.metric === HrvMetric.SDNN && s.source === HrvSource.MOCK && s.valueMs >= 15 && s.valueMs <= 150)).toBe(true);
    const days = new Set(data.hrvSamples.map((s) => timestampDate(s.measuredAt!).toISOString().slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(7);
    // 11:00 and 15:00 London time (BST, UTC+1) for three days, less today's board meeting, over by 13:00 BST;
    // the 09:30 stand-up is never stored.
    const titles = data.events.map((e) => `${e.title}@${timestampDate(e.startsAt!).toISOString()}`);
    expect(titles).toEqual([
      'Vendor negotiation@2026-06-10T14:00:00.000Z',
      'Board Review@2026-06-11T10:00:00.000Z',
      'Vendor negotiation@2026-06-11T14:00:00.000Z',
      'Board Review@2026-06-12T10:00:00.000Z',
      'Vendor negotiation@2026-06-12T14:00:00.000Z',
    ]);
    const published = await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'demo', data.hrvSamples.length);
    expect(published.every((e) => e.key === 'demo')).toBe(true);
    await h.published(HighStakesEventUpsertedSchema, (m) => m.userId === 'demo' && m.source === CalendarSource.MOCK, 5);
  });

  it('streams a reading per interval for every known user, and the calendar tick publishes nothing unchanged', async () => {
    await register(h, 'demo-2');
    const count = async (u: string) => (await h.client.exportUserData({ userId: u })).hrvSamples.length;
    const before = [await count('demo'), await count('demo-2')];
    expect(await tickMockHrv(h.deps)).toBe(2);
    expect(await tickMockHrv(h.deps)).toBe(0);
    h.clock.advance(5 * minute - 1);
    expect(await tickMockHrv(h.deps)).toBe(0);
    h.clock.advance(1);
    expect(await tickMockHrv(h.deps)).toBe(2);
    expect([await count('demo'), await count('demo-2')]).toEqual(before.map((n) => n + 2));
    expect(await tickMockCalendar(h.deps)).toBe(0);
  });

  it('injects an HRV drop N% below the recent norm, and the stream stays down while the drop holds', async () => {
    const recent = (await h.client.exportUserData({ userId: 'demo' })).hrvSamples.map((s) => s.valueMs);
    const norm = recent.reduce((a, b) => a + b, 0) / recent.length;
    const { sample } = await h.client.injectHrvDrop({ userId: 'demo', dropPercent: 30 });
    expect(sample!.valueMs).toBeCloseTo(norm * 0.7, 0);
    expect(timestampDate(sample!.measuredAt!)).toEqual(h.clock.now());
    const published = await h.published(HrvSampleRecordedSchema, (m) => m.sampleId === sample!.sampleId, 1);
    expect(published[0]!.message.source).toBe(HrvSource.MOCK);

    h.clock.advance(5 * minute);
    await tickMockHrv(h.deps);
    const latest = (await h.client.exportUserData({ userId: 'demo' })).hrvSamples.at(-1)!;
    expect(timestampDate(latest.measuredAt!)).toEqual(h.clock.now());
    expect(latest.valueMs).toBeLessThan(norm * 0.9);

    await expect(h.client.injectHrvDrop({ userId: 'demo', dropPercent: 95 })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(h.client.injectHrvDrop({ userId: 'stranger', dropPercent: 20 })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it('injects a high-stakes event starting now; titles must pass the classifier', async () => {
    const { event } = await h.client.injectHighStakesEvent({ userId: 'demo', title: '', duration: durationFromMs(30 * minute) });
    expect(event!.title).toBe('Board Meeting');
    expect(timestampDate(event!.startsAt!)).toEqual(h.clock.now());
    expect(timestampDate(event!.endsAt!).getTime() - h.clock.now().getTime()).toBe(30 * minute);
    const published = await h.published(HighStakesEventUpsertedSchema, (m) => m.eventId === event!.eventId, 1);
    expect(published[0]!.message).toMatchObject({ userId: 'demo', title: 'Board Meeting', source: CalendarSource.MOCK });
    await expect(h.client.injectHighStakesEvent({ userId: 'demo', title: 'Lunch' })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(h.client.injectHighStakesEvent({ userId: 'stranger', title: '!Now' })).rejects.toMatchObject({ code: Code.NotFound });
  });
});

describe('mock providers (production)', () => {
  let h: Harness;
  harnessPerFile(() => startHarness({ start: now0, mode: 'production' }), (started) => (h = started));

  it('refuses the development controls and writes no synthetic data', async () => {
    await register(h, 'prod-user');
    await expect(h.client.injectHrvDrop({ userId: 'prod-user', dropPercent: 20 })).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await expect(h.client.injectHighStakesEvent({ userId: 'prod-user', title: 'Board' })).rejects.toMatchObject({ code: Code.FailedPrecondition });
    const data = await h.client.exportUserData({ userId: 'prod-user' });
    expect(data.hrvSamples).toEqual([]);
    expect(data.events).toEqual([]);
    expect(h.deps.settings.mock).toBeUndefined();
  });
});
