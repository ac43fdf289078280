import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { refusal } from '@omtobe/testing';
import { minute, moveTo, register, sample } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { parkedOn } from '../../test/published.ts';

const now0 = new Date('2026-03-06T20:30:00Z');

/**
 * Three SDNN samples (48, 52, 50 ms) on ONE UTC date (03-05) but TWO local dates in Kiritimati (UTC+14: 22:00 and
 * 23:00 on 03-05, 01:00 on 03-06), and a fresh 35 ms one: a baseline needs 2 days, so there is one only when the
 * days are counted in the user's zone.
 */
async function samplesOnTwoKiritimatiDays(h: EngineHarness, userId: string): Promise<void> {
  for (const [i, [time, value]] of ([['2026-03-05T08:00:00Z', 48], ['2026-03-05T09:00:00Z', 52], ['2026-03-05T11:00:00Z', 50]] as const).entries()) {
    await sample(h, userId, `${userId}-b${i}`, value, new Date(time));
  }
  await sample(h, userId, `${userId}-now`, 35, new Date(now0.getTime() - 5 * minute));
}

describe('users.v1 in the state engine', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started));

  it('dead-letters (never silently drops) a registration or a move to a zone it cannot apply, such as a fixed offset', async () => {
    const registered = await h.publish(topics.users, 'offset-user', UserRegisteredSchema, create(UserRegisteredSchema, { userId: 'offset-user', timezone: '+05', registeredAt: timestampFromDate(now0) }));
    await register(h, 'mover', now0, 'Europe/London');
    const moved = await h.publish(topics.users, 'mover', UserTimezoneChangedSchema, create(UserTimezoneChangedSchema, { userId: 'mover', timezone: '+0530', changedAt: timestampFromDate(now0) }));

    const { eventIds, letter } = await parkedOn(h, topics.users, [registered, moved]);
    // Exactly these two: each was its partition's last event, and mover's valid registration before it was handled.
    expect(eventIds.sort()).toEqual([registered, moved].sort());
    expect(letter(registered)).toEqual([['handler_failed', 'UserRegistered with a time zone the engine cannot apply: "+05"']]);
    expect(letter(moved)).toEqual([['handler_failed', 'UserTimezoneChanged with a time zone the engine cannot apply: "+0530"']]);
    expect(await refusal(h.client.getState({ userId: 'offset-user' }))).toEqual({ code: Code.NotFound, reason: 'unknown_user' });
    expect((await h.client.getState({ userId: 'mover' })).timezone).toBe('Europe/London');
  });

  it('stores the zone as the time-zone data spells it', async () => {
    await register(h, 'lower-case', now0, 'america/new_york');
    expect((await h.client.getState({ userId: 'lower-case' })).timezone).toBe('America/New_York');
  });

  it('counts the baseline days of samples that arrived before the registration in the zone it brings', async () => {
    await samplesOnTwoKiritimatiDays(h, 'early-user');
    await register(h, 'early-user', now0, 'Pacific/Kiritimati');
    const state = await h.client.getState({ userId: 'early-user' });
    expect(state.hrvCurrent?.valueMs).toBe(35);
    expect(state.hrvBaseline).toMatchObject({ meanMs: 50, sampleCount: 3 });
  });

  it('counts them again when the zone changes', async () => {
    await register(h, 'utc-user', new Date(now0.getTime() - 3 * 1440 * minute), 'UTC');
    await samplesOnTwoKiritimatiDays(h, 'utc-user');
    expect((await h.client.getState({ userId: 'utc-user' })).hrvBaseline).toBeUndefined(); // one UTC date
    await moveTo(h, 'utc-user', 'Pacific/Kiritimati');
    expect((await h.client.getState({ userId: 'utc-user' })).hrvBaseline).toMatchObject({ meanMs: 50, sampleCount: 3 });
    await moveTo(h, 'utc-user', 'Etc/UTC');
    expect((await h.client.getState({ userId: 'utc-user' })).hrvBaseline).toBeUndefined();
  });
});
