import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { startHarness, topics, type Harness } from '../../../test/harness.ts';

// The mock meetings are at local hours (11:00 and 15:00): when the user's zone changes they move, and the
// state engine must hear it, even when the new time is already past (issue 14, item 2).
const now0 = new Date('2026-06-10T12:00:00Z');
const iso = (t: { startsAt?: Parameters<typeof timestampDate>[0]; endsAt?: Parameters<typeof timestampDate>[0] }) =>
  `${timestampDate(t.startsAt!).toISOString()}/${timestampDate(t.endsAt!).toISOString()}`;

describe('mock calendar across zone changes', () => {
  let h: Harness;
  const user = 'traveller';
  const moveTo = (timezone: string) => h.deliver(topics.users, user, UserTimezoneChangedSchema, create(UserTimezoneChangedSchema, { userId: user, timezone }));
  const upserts = (id: string, count: number) => h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user && m.eventId === id, count);

  beforeAll(async () => {
    h = await startHarness({ start: now0, mode: 'development' });
    await h.deliver(topics.users, user, UserRegisteredSchema, create(UserRegisteredSchema, { userId: user, timezone: 'Europe/London', registeredAt: timestampFromDate(now0) }));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('moves a meeting into the past with its new times, drops the days the new zone no longer lists, and keeps injected events', async () => {
    const { event: injected } = await h.client.injectHighStakesEvent({ userId: user, title: 'Board call', duration: durationFromMs(3_600_000) });
    // London (BST): today's negotiation is at 14:00Z, still ahead.
    expect(iso((await upserts('mock-2026-06-10-negotiation', 1))[0]!.message)).toBe('2026-06-10T14:00:00.000Z/2026-06-10T14:45:00.000Z');

    // Tokyo: 21:00 local, so today's 15:00 negotiation is over (06:00Z); the engine must stop expecting it at 14:00Z.
    await moveTo('Asia/Tokyo');
    expect(iso((await upserts('mock-2026-06-10-negotiation', 2))[1]!.message)).toBe('2026-06-10T06:00:00.000Z/2026-06-10T06:45:00.000Z');

    // Kiritimati (UTC+14) is already on 11 June, so its listing runs to the 13th; Honolulu is back on the 10th.
    await moveTo('Pacific/Kiritimati');
    await upserts('mock-2026-06-13-board', 1);
    await moveTo('Pacific/Honolulu');
    await h.published(HighStakesEventRemovedSchema, (m) => m.userId === user && m.eventId.startsWith('mock-2026-06-13-'), 2);

    const events = (await h.client.exportUserData({ userId: user })).events.map((e) => `${e.eventId} ${iso(e)}`);
    expect(events).toEqual([
      `${injected!.eventId} 2026-06-10T12:00:00.000Z/2026-06-10T13:00:00.000Z`,
      'mock-2026-06-10-board 2026-06-10T21:00:00.000Z/2026-06-10T22:00:00.000Z',
      'mock-2026-06-10-negotiation 2026-06-11T01:00:00.000Z/2026-06-11T01:45:00.000Z',
      'mock-2026-06-11-board 2026-06-11T21:00:00.000Z/2026-06-11T22:00:00.000Z',
      'mock-2026-06-11-negotiation 2026-06-12T01:00:00.000Z/2026-06-12T01:45:00.000Z',
      'mock-2026-06-12-board 2026-06-12T21:00:00.000Z/2026-06-12T22:00:00.000Z',
      'mock-2026-06-12-negotiation 2026-06-13T01:00:00.000Z/2026-06-13T01:45:00.000Z',
    ]);
  });
});
