import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CalendarSource, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { day, meeting, minute, register } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { parkedOn } from '../../test/published.ts';

const now0 = new Date('2026-03-06T20:30:00Z');

describe('calendar.v1 in the state engine', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started));

  it('dead-letters an event it can never apply (no times, or ending before it starts) and applies the valid one after it', async () => {
    const userId = 'poison-calendar';
    await register(h, userId, new Date(now0.getTime() - 3 * day));
    const upserted = (eventId: string, times: { startsAt?: Date; endsAt?: Date }) =>
      h.publish(topics.calendar, userId, HighStakesEventUpsertedSchema, create(HighStakesEventUpsertedSchema, {
        userId, eventId, title: 'Board Meeting', source: CalendarSource.GOOGLE,
        ...(times.startsAt ? { startsAt: timestampFromDate(times.startsAt) } : {}),
        ...(times.endsAt ? { endsAt: timestampFromDate(times.endsAt) } : {}),
      }));
    const untimed = await upserted('untimed', { startsAt: now0 });
    const backwards = await upserted('backwards', { startsAt: now0, endsAt: new Date(now0.getTime() - minute) });
    // The same key: handled after both were parked.
    await meeting(h, userId, 'valid', 'Board Meeting', new Date(now0.getTime() + 30 * minute), 60);

    const { eventIds, letter } = await parkedOn(h, topics.calendar, [untimed, backwards]);
    expect(eventIds.sort()).toEqual([untimed, backwards].sort());
    expect(letter(untimed)).toEqual([['handler_failed', 'HighStakesEventUpserted without starts_at or ends_at']]);
    expect(letter(backwards)).toEqual([['handler_failed', 'HighStakesEventUpserted that does not end after it starts']]);
    expect((await h.client.getState({ userId })).upcomingEvents.map((e) => e.eventId)).toEqual(['valid']);
  });
});
