// The phone's own calendars (issue 18, item 1): UploadCalendarEvents through the service's RPC, on the run's
// PostgreSQL and broker, reading what reached calendar.v1 once the user's key has settled.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { create, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import {
  CalendarEventOutcome,
  CalendarSource,
  DeviceEventStatus,
  HighStakesEventRemovedSchema,
  type DeviceCalendarEventSchema,
  type HighStakesEventUpsertedSchema,
  type UploadCalendarEventsResponse,
} from '@omtobe/proto/integrations/v1';
import { refusal } from '@omtobe/testing';
import { captureLogs, knownUser } from '../../../test/flows.ts';
import { logger, startHarness, topics, type Harness } from '../../../test/harness.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const at = (minutes: number) => new Date(now0.getTime() + minutes * minute);
const ts = (minutes: number) => timestampFromDate(at(minutes));

type EventInit = MessageInitShape<typeof DeviceCalendarEventSchema>;

/** One event of the phone, timed and confirmed unless said otherwise. */
function ev(eventId: string, title: string, startMinutes: number, minutes: number, over: EventInit = {}): EventInit {
  return { eventId, title, start: ts(startMinutes), end: ts(startMinutes + minutes), allDay: false, status: DeviceEventStatus.CONFIRMED, ...over };
}

const answers = (r: UploadCalendarEventsResponse) => r.results.map((x) => [x.eventId, CalendarEventOutcome[x.outcome], x.reason]);

describe('device calendar upload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
  });
  beforeEach(() => {
    h.clock.set(now0);
    h.deps.logger = logger;
  });
  afterAll(async () => {
    await h?.close();
  });

  const upload = (userId: string, window: { from: number; to: number }, events: EventInit[]) =>
    h.client.uploadCalendarEvents({ userId, windowStart: ts(window.from), windowEnd: ts(window.to), events });

  /** What reached calendar.v1 for the user, exactly (settled: nothing more is on its way). */
  async function calendarOf(userId: string) {
    await h.settled(userId);
    return h
      .allPublished()
      .filter((e) => e.key === userId && e.topic === topics.calendar.name)
      .map((e) => {
        if (e.eventType === HighStakesEventRemovedSchema.typeName) return { removed: (e.message as unknown as MessageShape<typeof HighStakesEventRemovedSchema>).eventId };
        const m = e.message as unknown as MessageShape<typeof HighStakesEventUpsertedSchema>;
        return { upserted: m.eventId, title: m.title, source: CalendarSource[m.source], startsAt: m.startsAt, endsAt: m.endsAt };
      });
  }

  it('stores and publishes only the high-stakes events of the window, drops the others unseen, and withdraws one a later upload no longer lists', async () => {
    await knownUser(h, 'phone');
    const lines = captureLogs(h);
    const day = { from: 0, to: 48 * 60 };
    const first = await upload('phone', day, [
      ev('EK-1', 'Board Review', 60, 60),
      ev('EK-2', 'Team stand-up with Priya', 90, 15),
      ev('EK-3', 'Negotiation offsite', 0, 24 * 60, { allDay: true, start: undefined, end: undefined }),
      ev('EK-4', '!Pitch to Acme', 26 * 60, 90, { status: DeviceEventStatus.TENTATIVE }),
      ev('EK-5', 'Review with legal', 180, 60, { status: DeviceEventStatus.CANCELLED }),
      ev('EK-6', 'Board prep', -120, 60), // over already: overlapping the window is not enough
    ]);
    expect(answers(first)).toEqual([
      ['EK-1', 'STORED', ''],
      ['EK-2', 'IGNORED', 'not_high_stakes'],
      ['EK-3', 'IGNORED', 'all_day'],
      ['EK-4', 'STORED', ''],
      ['EK-5', 'IGNORED', 'cancelled'],
      ['EK-6', 'REJECTED', 'outside_window'],
    ]);
    expect(first.withdrawn).toBe(0);
    expect(await calendarOf('phone')).toEqual([
      { upserted: 'device:EK-1', title: 'Board Review', source: 'DEVICE', startsAt: ts(60), endsAt: ts(120) },
      { upserted: 'device:EK-4', title: '!Pitch to Acme', source: 'DEVICE', startsAt: ts(26 * 60), endsAt: ts(26 * 60 + 90) },
    ]);

    // The same window again: Board Review is gone from the phone, the pitch unchanged, a new negotiation.
    h.clock.set(at(5));
    const second = await upload('phone', { from: 5, to: 5 + 48 * 60 }, [ev('EK-4', '!Pitch to Acme', 26 * 60, 90), ev('EK-7', 'Negotiation', 300, 30)]);
    expect(answers(second)).toEqual([
      ['EK-4', 'STORED', ''],
      ['EK-7', 'STORED', ''],
    ]);
    expect(second.withdrawn).toBe(1);
    expect((await calendarOf('phone')).slice(2)).toEqual([
      { upserted: 'device:EK-7', title: 'Negotiation', source: 'DEVICE', startsAt: ts(300), endsAt: ts(330) },
      { removed: 'device:EK-1' },
    ]);

    // A window that does not reach the pitch or the negotiation withdraws neither of them.
    const later = await upload('phone', { from: 40 * 60, to: 48 * 60 }, []);
    expect(later.withdrawn).toBe(0);
    expect(await calendarOf('phone')).toHaveLength(4);

    const stored = await h.deps.db.selectFrom('calendar_events').select(['event_id', 'title', 'source']).where('user_id', '=', 'phone').orderBy('starts_at').execute();
    expect(stored).toEqual([
      { event_id: 'device:EK-7', title: 'Negotiation', source: 'device' },
      { event_id: 'device:EK-4', title: '!Pitch to Acme', source: 'device' },
    ]);
    // The titles of what was not kept were never written: not in a table, not on a topic, not in a log line.
    const rows = await h.deps.db.selectFrom('calendar_events').selectAll().execute();
    const everything = JSON.stringify([rows, h.allPublished(), lines], (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    for (const title of ['Team stand-up with Priya', 'Negotiation offsite', 'Review with legal', 'Board prep']) expect(everything).not.toContain(title);
  });

  it('rejects what it cannot take, one event at a time, and a rejected event changes nothing; a kept event renamed or made all-day is withdrawn', async () => {
    await knownUser(h, 'bad');
    const window = { from: 0, to: 24 * 60 };
    await upload('bad', window, [ev('K-1', 'Board Meeting', 60, 60), ev('K-2', 'Review', 120, 60), ev('K-3', 'Negotiation', 180, 60)]);
    const result = await upload('bad', window, [
      ev('', 'Board Meeting', 60, 60),
      ev('x'.repeat(513), 'Board Meeting', 60, 60),
      ev('bad\nid', 'Board Meeting', 60, 60),
      ev('K-1', 'Board Meeting', 60, 0), // the kept event, now with broken times: rejected, and kept as it was
      ev('K-1', 'Board Meeting', 60, 60), // the same id twice
      ev('K-4', 'Board Meeting', 60, -30),
      ev('K-5', 'Board Meeting', 60, 60, { start: undefined }),
      ev('K-6', 'Board Meeting', 25 * 60, 60),
      ev('K-7', 'B'.repeat(1025), 60, 60),
      ev('K-2', 'Quarterly catch-up', 120, 60), // renamed to something ordinary: withdrawn
      ev('K-3', 'Negotiation', 180, 60, { allDay: true }), // made all-day: withdrawn
    ]);
    expect(answers(result)).toEqual([
      ['', 'REJECTED', 'invalid_event_id'],
      ['x'.repeat(513), 'REJECTED', 'invalid_event_id'],
      ['bad\nid', 'REJECTED', 'invalid_event_id'],
      ['K-1', 'REJECTED', 'end_not_after_start'],
      ['K-1', 'REJECTED', 'duplicate_event_id'],
      ['K-4', 'REJECTED', 'end_not_after_start'],
      ['K-5', 'REJECTED', 'invalid_time'],
      ['K-6', 'REJECTED', 'outside_window'],
      ['K-7', 'REJECTED', 'title_too_long'],
      ['K-2', 'IGNORED', 'not_high_stakes'],
      ['K-3', 'IGNORED', 'all_day'],
    ]);
    expect(result.withdrawn).toBe(0); // removed by their own answers, not for being missing
    expect((await calendarOf('bad')).slice(3)).toEqual([{ removed: 'device:K-2' }, { removed: 'device:K-3' }]);
    const kept = await h.deps.db.selectFrom('calendar_events').select(['event_id', 'starts_at', 'ends_at']).where('user_id', '=', 'bad').execute();
    expect(kept).toEqual([{ event_id: 'device:K-1', starts_at: at(60), ends_at: at(120) }]);
  });

  it('refuses a bad window, an oversized batch and an unknown user as a whole, storing nothing', async () => {
    await knownUser(h, 'limits');
    const one = [ev('L-1', 'Board Meeting', 60, 60)];
    const cases: Array<[string, Promise<unknown>]> = [
      ['invalid_window', upload('limits', { from: 60, to: 60 }, one)],
      ['invalid_window', h.client.uploadCalendarEvents({ userId: 'limits', windowEnd: ts(60), events: one })],
      ['window_too_long', upload('limits', { from: 0, to: 7 * 24 * 60 + 1 }, one)],
      ['window_too_far', upload('limits', { from: 13 * 24 * 60, to: 14 * 24 * 60 + 1 }, one)],
      ['batch_too_large', upload('limits', { from: 0, to: 60 * 24 }, Array.from({ length: 501 }, (_, i) => ev(`L-${i}`, 'Board Meeting', 60, 60)))],
    ];
    for (const [reason, call] of cases) expect([reason, await refusal(call)]).toEqual([reason, { code: Code.InvalidArgument, reason }]);
    expect(await refusal(h.client.uploadCalendarEvents({ userId: 'limits', windowStart: ts(0), windowEnd: ts(60), events: [{ eventId: 'L-9', title: 'Board Meeting', start: ts(1), end: ts(2), status: 7 as DeviceEventStatus }] }))).toEqual({ code: Code.InvalidArgument, reason: 'invalid_status' });
    expect(await refusal(upload('stranger', { from: 0, to: 60 }, one))).toEqual({ code: Code.NotFound, reason: 'unknown_user' });

    // At the limits: 500 events and exactly 7 days, ending exactly CALENDAR_WINDOW_DAYS ahead.
    const full = await upload('limits', { from: 7 * 24 * 60, to: 14 * 24 * 60 }, Array.from({ length: 500 }, (_, i) => ev(`M-${i}`, i === 0 ? 'Board Meeting' : 'Lunch', 8 * 24 * 60 + i, 30)));
    expect(full.results.filter((r) => r.outcome === CalendarEventOutcome.STORED).map((r) => r.eventId)).toEqual(['M-0']);
    expect(await calendarOf('limits')).toEqual([{ upserted: 'device:M-0', title: 'Board Meeting', source: 'DEVICE', startsAt: ts(8 * 24 * 60), endsAt: ts(8 * 24 * 60 + 30) }]);
    expect(await calendarOf('stranger')).toEqual([]);
  });

  it('exports the phone’s events with their source, and erasure removes them (a later upload of the erased user is refused)', async () => {
    await knownUser(h, 'gone');
    await upload('gone', { from: 0, to: 24 * 60 }, [ev('G-1', 'Board Meeting', 60, 60), ev('G-2', 'Lunch', 90, 30)]);
    const exported = await h.client.exportUserData({ userId: 'gone' });
    expect(exported.events.map((e) => [e.eventId, e.title, CalendarSource[e.source], e.startsAt, e.endsAt])).toEqual([['device:G-1', 'Board Meeting', 'DEVICE', ts(60), ts(120)]]);
    expect(await calendarOf('gone')).toEqual([{ upserted: 'device:G-1', title: 'Board Meeting', source: 'DEVICE', startsAt: ts(60), endsAt: ts(120) }]);

    await h.deliver(topics.users, 'gone', UserDeletedSchema, create(UserDeletedSchema, { userId: 'gone', deletedAt: timestampFromDate(now0) }));
    expect((await h.client.exportUserData({ userId: 'gone' })).events).toEqual([]);
    expect(await h.deps.db.selectFrom('calendar_events').select('event_id').where('user_id', '=', 'gone').execute()).toEqual([]);
    expect(await refusal(upload('gone', { from: 0, to: 24 * 60 }, [ev('G-1', 'Board Meeting', 60, 60)]))).toEqual({ code: Code.NotFound, reason: 'unknown_user' });
    expect(await calendarOf('gone')).toHaveLength(1); // nothing more after the erasure
  });
});
