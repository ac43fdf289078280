import { describe, expect, it } from '@jest/globals';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { CycleResetReason, Phase, ReflectionResponse } from '@omtobe/proto/state-engine/v1';
import { refusal } from '@omtobe/testing';
import { moveTo, register } from '../../test/fixtures.ts';
import { harnessPerFile, type EngineHarness } from '../../test/harness.ts';
import { publishedFor } from '../../test/published.ts';
import { runDueWork } from '../work/due-work.ts';

const at = (iso: string) => new Date(iso);
const iso = (t: Timestamp | undefined) => timestampDate(t!).toISOString();

/**
 * Whole cycles through the RPCs and the due-work loop, in New York across the DST change of Sunday 2026-03-08
 * (02:00 EST → 03:00 EDT): a user registered on Friday 03-06 has Day 7 on Thursday 03-12, in EDT, so every
 * instant of Day 7 is an hour earlier in UTC than it would be without the change.
 */
describe('state engine: cycles end to end', () => {
  let h: EngineHarness;
  harnessPerFile(at('2026-03-06T20:30:00Z'), (started) => (h = started));

  it('offers the reflection on Day 7 from 09:00 local, not before, and starts the next cycle at the next local midnight, on time without calls', async () => {
    h.clock.set(at('2026-03-06T20:30:00Z')); // 15:30 EST on Day 1
    await register(h, 'week-user', h.clock.now());
    expect(iso((await h.client.getState({ userId: 'week-user' })).cycleStart)).toBe('2026-03-06T05:00:00.000Z'); // 00:00 EST

    h.clock.set(at('2026-03-12T12:59:59.999Z')); // 08:59:59.999 EDT on Day 7
    const early = await h.client.getState({ userId: 'week-user' });
    expect([early.currentDay, early.phase, early.shouldDisplayReflection]).toEqual([7, Phase.REFLECTION, false]);
    expect(iso(early.reflectionOpensAt)).toBe('2026-03-12T13:00:00.000Z'); // 09:00 EDT
    expect(await refusal(h.client.submitReflection({ userId: 'week-user', response: ReflectionResponse.YES, idempotencyKey: 'r0' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'reflection_not_open',
    });

    h.clock.set(at('2026-03-12T13:00:00Z')); // 09:00 EDT
    expect((await h.client.getState({ userId: 'week-user' })).shouldDisplayReflection).toBe(true);
    const answer = await h.client.submitReflection({ userId: 'week-user', response: ReflectionResponse.YES, idempotencyKey: 'r1' });
    expect(iso(answer.newCycleStart)).toBe('2026-03-13T04:00:00.000Z'); // 00:00 EDT on 03-13
    expect((await h.client.getState({ userId: 'week-user' })).shouldDisplayReflection).toBe(false);

    h.clock.set(at('2026-03-13T03:59:59.999Z'));
    await runDueWork(h.deps);
    h.clock.set(at('2026-03-13T04:00:00Z'));
    expect(await runDueWork(h.deps)).toBeGreaterThanOrEqual(1);
    const after = await h.client.getState({ userId: 'week-user' });
    expect([after.currentDay, after.reflectionAnswered, iso(after.cycleStart)]).toEqual([1, false, '2026-03-13T04:00:00.000Z']);

    const { reflections, resets } = await publishedFor(h, 'week-user');
    expect(reflections.map((r) => [r.response, iso(r.answeredAt), iso(r.cycleStart)])).toEqual([
      [ReflectionResponse.YES, '2026-03-12T13:00:00.000Z', '2026-03-06T05:00:00.000Z'],
    ]);
    expect(resets.map((r) => [r.reason, iso(r.previousCycleStart), iso(r.newCycleStart)])).toEqual([
      [CycleResetReason.REFLECTED, '2026-03-06T05:00:00.000Z', '2026-03-13T04:00:00.000Z'],
    ]);
  });

  it('lets a Day 7 nobody answers run out: one expired reset at the next local midnight, nothing logged for the reflection', async () => {
    h.clock.set(at('2026-03-06T20:30:00Z'));
    await register(h, 'lapse-user', h.clock.now());

    h.clock.set(at('2026-03-13T03:59:59.999Z')); // 23:59:59.999 EDT on Day 7
    await runDueWork(h.deps);
    const last = await h.client.getState({ userId: 'lapse-user' });
    expect([last.currentDay, last.shouldDisplayReflection, iso(last.nextCycleStart)]).toEqual([7, true, '2026-03-13T04:00:00.000Z']);

    h.clock.set(at('2026-03-13T04:00:00Z'));
    expect(await runDueWork(h.deps)).toBeGreaterThanOrEqual(1);
    const next = await h.client.getState({ userId: 'lapse-user' });
    expect([next.currentDay, next.phase, iso(next.cycleStart)]).toEqual([1, Phase.TOTAL_SILENCE, '2026-03-13T04:00:00.000Z']);
    expect(await refusal(h.client.submitReflection({ userId: 'lapse-user', response: ReflectionResponse.NO, idempotencyKey: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'reflection_not_open',
    });

    const { reflections, resets } = await publishedFor(h, 'lapse-user');
    expect(reflections).toEqual([]);
    expect(resets.map((r) => [r.reason, iso(r.previousCycleStart), iso(r.newCycleStart)])).toEqual([
      [CycleResetReason.EXPIRED, '2026-03-06T05:00:00.000Z', '2026-03-13T04:00:00.000Z'],
    ]);
  });

  it('after UserTimezoneChanged counts the days in the new zone, never below Day 1, and history keeps the instant the cycle started', async () => {
    // 08:00 on Saturday 03-07 in Tokyo: Day 1 began at 00:00 JST (15:00 UTC on 03-06).
    h.clock.set(at('2026-03-06T23:00:00Z'));
    await register(h, 'tokyo-user', h.clock.now(), 'Asia/Tokyo');
    // Flown to Honolulu, where it is 13:00 on Friday 03-06: the cycle's first date has not begun there yet.
    await moveTo(h, 'tokyo-user', 'pacific/honolulu');
    const moved = await h.client.getState({ userId: 'tokyo-user' });
    expect([moved.timezone, moved.currentDay, moved.phase]).toEqual(['Pacific/Honolulu', 1, Phase.TOTAL_SILENCE]);
    expect(iso(moved.cycleStart)).toBe('2026-03-06T15:00:00.000Z');
    expect(iso(moved.nextCycleStart)).toBe('2026-03-14T10:00:00.000Z'); // 00:00 HST on 03-14: Day 8 in the new zone
    expect((await h.client.checkBrake({ userId: 'tokyo-user' })).currentDay).toBe(1);

    h.clock.set(at('2026-03-07T10:00:00Z')); // 00:00 HST on 03-07: the first local day begins
    expect((await h.client.getState({ userId: 'tokyo-user' })).currentDay).toBe(1);
    h.clock.set(at('2026-03-08T10:00:00Z')); // 00:00 HST on 03-08
    expect((await h.client.getState({ userId: 'tokyo-user' })).currentDay).toBe(2);

    h.clock.set(at('2026-03-13T19:00:00Z')); // 09:00 HST on Day 7
    const answer = await h.client.submitReflection({ userId: 'tokyo-user', response: ReflectionResponse.SKIP, idempotencyKey: 'r' });
    expect(iso(answer.newCycleStart)).toBe('2026-03-14T10:00:00.000Z');
    h.clock.set(at('2026-03-14T10:00:00Z'));
    await runDueWork(h.deps);

    const { reflections, resets } = await publishedFor(h, 'tokyo-user');
    expect(reflections.map((r) => iso(r.cycleStart))).toEqual(['2026-03-06T15:00:00.000Z']);
    expect(resets.map((r) => [r.reason, iso(r.previousCycleStart), iso(r.newCycleStart)])).toEqual([
      [CycleResetReason.REFLECTED, '2026-03-06T15:00:00.000Z', '2026-03-14T10:00:00.000Z'],
    ]);
  });
});
