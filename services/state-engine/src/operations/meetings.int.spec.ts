// The same meeting from two calendars (issue 18, item 3): one brake, one lock (domain/meetings.ts).
import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CalendarSource, HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { BrakeReason, Decision, PromptKind, PromptTransitionKind, type PromptTransition } from '@omtobe/proto/state-engine/v1';
import { day, minute, register, sample, seedBaseline } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { promptsFor } from '../../test/published.ts';
import { runDueWork } from '../work/due-work.ts';

// 15:30 in New York on Friday 2026-03-06 (EST); registered three days before, the user is on Day 4.
const now0 = new Date('2026-03-06T20:30:00Z');
const starts = new Date(now0.getTime() - 10 * minute);
const ends = new Date(now0.getTime() + 80 * minute);

const K = PromptTransitionKind;
const summary = (ts: PromptTransition[]) =>
  ts.map((t) => ({ kind: K[t.kind], event: t.event?.eventId, ...(t.withdrawnReason ? { reason: BrakeReason[t.withdrawnReason] } : {}) }));

/** A calendar.v1 upsert as integrations publishes it for one source. */
function copy(h: EngineHarness, userId: string, eventId: string, title: string, source: CalendarSource, times = { starts, ends }) {
  return h.deliver(
    topics.calendar,
    userId,
    HighStakesEventUpsertedSchema,
    create(HighStakesEventUpsertedSchema, { userId, eventId, title, startsAt: timestampFromDate(times.starts), endsAt: timestampFromDate(times.ends), source }),
  );
}

const removal = (h: EngineHarness, userId: string, eventId: string) =>
  h.deliver(topics.calendar, userId, HighStakesEventRemovedSchema, create(HighStakesEventRemovedSchema, { userId, eventId }));

/** Day 4, a baseline of 50.1 ms and a fresh 35.2 ms reading: a running high-stakes meeting brakes. */
async function dropped(h: EngineHarness, userId: string): Promise<void> {
  await register(h, userId, new Date(now0.getTime() - 3 * day));
  await seedBaseline(h, userId, now0);
  await sample(h, userId, `${userId}-now`, 35.2, new Date(now0.getTime() - 5 * minute));
}

describe('one meeting from two calendars brakes once', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started), { resetClock: true });

  it('Google and the phone report the same meeting: one BRAKE_RAISED; Proceed on it locks both copies, and a later copy too', async () => {
    await dropped(h, 'twice');
    await copy(h, 'twice', 'gq1board', 'Board Review', CalendarSource.GOOGLE);
    // The phone's copy comes later, with another title and an id that sorts first: it changes nothing.
    await copy(h, 'twice', 'device:7F3A-11', 'Board review (Exchange)', CalendarSource.DEVICE);
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'twice'))).toEqual([{ kind: 'BRAKE_RAISED', event: 'gq1board' }]);

    const check = await h.client.checkBrake({ userId: 'twice' });
    expect([check.shouldDisplay, check.event?.eventId]).toEqual([true, 'gq1board']);
    const state = await h.client.getState({ userId: 'twice' });
    expect(state.upcomingEvents.map((e) => e.eventId)).toEqual(['gq1board']); // the meeting is listed once
    expect(state.prompt?.event?.eventId).toBe('gq1board');

    const proceed = await h.client.submitDecision({ userId: 'twice', decision: Decision.PROCEED, idempotencyKey: 'twice-proceed' });
    expect(proceed.eventId).toBe('gq1board');
    expect((await h.client.getState({ userId: 'twice' })).lockedEventIds.toSorted()).toEqual(['device:7F3A-11', 'gq1board']);

    // Google drops its copy (disconnected, say), a third calendar reports the meeting, time passes: still decided.
    await removal(h, 'twice', 'gq1board');
    await copy(h, 'twice', 'AAMkAGI2-outlook', 'Board Review', CalendarSource.UNSPECIFIED); // a third calendar (the engine ignores sources)
    h.clock.advance(30 * minute);
    await runDueWork(h.deps);
    const after = await h.client.checkBrake({ userId: 'twice' });
    expect([after.shouldDisplay, after.reason]).toEqual([false, BrakeReason.LOCKED_FOR_EVENT]);
    expect(summary(await promptsFor(h, 'twice'))).toEqual([
      { kind: 'BRAKE_RAISED', event: 'gq1board' },
      { kind: 'BRAKE_WITHDRAWN', event: 'gq1board', reason: 'LOCKED_FOR_EVENT' },
    ]);
  });

  it('Microsoft 365 and the phone report the same meeting: one BRAKE_RAISED, and Proceed locks both copies', async () => {
    await dropped(h, 'outlook');
    await copy(h, 'outlook', 'AAMkAGI2TGuLAAA=', 'Board Review', CalendarSource.MICROSOFT);
    await copy(h, 'outlook', 'device:EX-42', 'Board Review', CalendarSource.DEVICE);
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'outlook'))).toEqual([{ kind: 'BRAKE_RAISED', event: 'AAMkAGI2TGuLAAA=' }]);
    expect((await h.client.getState({ userId: 'outlook' })).upcomingEvents.map((e) => e.eventId)).toEqual(['AAMkAGI2TGuLAAA=']);
    await h.client.submitDecision({ userId: 'outlook', decision: Decision.PROCEED, idempotencyKey: 'outlook-proceed' });
    expect((await h.client.getState({ userId: 'outlook' })).lockedEventIds.toSorted()).toEqual(['AAMkAGI2TGuLAAA=', 'device:EX-42']);
  });

  it('copies arriving before the reading: one READING_REQUESTED, then one BRAKE_RAISED when the reading comes', async () => {
    await register(h, 'asked', new Date(now0.getTime() - 3 * day));
    await seedBaseline(h, 'asked', now0);
    await copy(h, 'asked', 'g-neg', 'Negotiation', CalendarSource.GOOGLE);
    // The phone's copy sorts first, but the reading was asked for Google's: that one stays the meeting's face.
    await copy(h, 'asked', 'device:A1', 'Negotiation', CalendarSource.DEVICE);
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'asked'))).toEqual([{ kind: 'READING_REQUESTED', event: 'g-neg' }]);
    await sample(h, 'asked', 'asked-now', 35.2, new Date(now0.getTime() - minute));
    await runDueWork(h.deps);
    expect(summary(await promptsFor(h, 'asked'))).toEqual([
      { kind: 'READING_REQUESTED', event: 'g-neg' },
      { kind: 'BRAKE_RAISED', event: 'g-neg' },
    ]);
  });

  it('a different window is another meeting: it brakes on its own after a Proceed on the first', async () => {
    await dropped(h, 'two');
    await copy(h, 'two', 'g-board', 'Board Meeting', CalendarSource.GOOGLE);
    await copy(h, 'two', 'device:B', 'Board Meeting', CalendarSource.DEVICE);
    // Overlapping, but starting five minutes later: another meeting.
    await copy(h, 'two', 'device:C', 'Review', CalendarSource.DEVICE, { starts: new Date(starts.getTime() + 5 * minute), ends });
    await h.client.submitDecision({ userId: 'two', decision: Decision.PROCEED, idempotencyKey: 'two-proceed' });
    await runDueWork(h.deps);
    // Raised for the earlier meeting, withdrawn by Proceed, raised for the other meeting: each once.
    expect(summary(await promptsFor(h, 'two'))).toEqual([
      { kind: 'BRAKE_RAISED', event: 'g-board' },
      { kind: 'BRAKE_WITHDRAWN', event: 'g-board', reason: 'LOCKED_FOR_EVENT' },
      { kind: 'BRAKE_RAISED', event: 'device:C' },
    ]);
  });

  it('the copy the brake was shown for goes away while another calendar still holds the meeting: the brake moves to that copy', async () => {
    await dropped(h, 'moved');
    await copy(h, 'moved', 'g-x', 'Board Meeting', CalendarSource.GOOGLE);
    await copy(h, 'moved', 'device:x', 'Board Meeting', CalendarSource.DEVICE);
    expect(summary(await promptsFor(h, 'moved'))).toEqual([{ kind: 'BRAKE_RAISED', event: 'g-x' }]);
    await removal(h, 'moved', 'g-x');
    expect(summary(await promptsFor(h, 'moved'))).toEqual([
      { kind: 'BRAKE_RAISED', event: 'g-x' },
      { kind: 'BRAKE_WITHDRAWN', event: 'g-x', reason: 'NO_HIGH_STAKES_EVENT' },
      { kind: 'BRAKE_RAISED', event: 'device:x' },
    ]);
    expect((await h.client.getState({ userId: 'moved' })).prompt?.kind).toBe(PromptKind.BRAKE);
  });
});
