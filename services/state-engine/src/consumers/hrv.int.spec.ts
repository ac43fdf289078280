import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { HrvMetric, HrvSampleDeletedSchema, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import { BrakeReason } from '@omtobe/proto/state-engine/v1';
import { minute, register, sample, seedBaseline, seedBrakingUser } from '../../test/fixtures.ts';
import { harnessPerFile, topics, type EngineHarness } from '../../test/harness.ts';
import { parkedOn } from '../../test/published.ts';

const now0 = new Date('2026-03-06T20:30:00Z');
const second = 1000;

describe('hrv.v1: which reading the brake judges', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started), { resetClock: true });

  it('does not let a sample stamped beyond the clock-skew tolerance hide the fresh reading, of either metric', async () => {
    await seedBrakingUser(h, 'future-user'); // a fresh 35.2 ms SDNN sample: the brake shows
    await sample(h, 'future-user', 'sdnn-ahead', 50, new Date(now0.getTime() + 120 * second));
    await sample(h, 'future-user', 'rmssd-ahead', 70, new Date(now0.getTime() + 200 * second), HrvMetric.RMSSD);
    const check = await h.client.checkBrake({ userId: 'future-user' });
    expect(check.shouldDisplay).toBe(true);
    expect(check.hrvCurrent).toMatchObject({ valueMs: 35.2, metric: HrvMetric.SDNN });

    // Within the tolerance a sample is "now": it becomes the reading (and this one is normal).
    await sample(h, 'future-user', 'sdnn-soon', 50, new Date(now0.getTime() + 30 * second));
    const normal = await h.client.checkBrake({ userId: 'future-user' });
    expect(normal.reason).toBe(BrakeReason.HRV_NORMAL);
    expect(timestampDate(normal.hrvCurrent!.measuredAt!).getTime()).toBe(now0.getTime() + 30 * second);
  });

  it('breaks ties between samples measured at the same instant the same way whatever their order of arrival', async () => {
    const same = new Date(now0.getTime() - 5 * minute);
    const answers: unknown[] = [];
    for (const [userId, order] of [['tie-a', ['low', 'high']], ['tie-b', ['high', 'low']]] as const) {
      await register(h, userId, new Date(now0.getTime() - 3 * 1440 * minute));
      await seedBaseline(h, userId, now0);
      // Same metric: the larger sample id wins ('s2-high' over 's1-low').
      for (const which of order) await sample(h, userId, which === 'low' ? 's1-low' : 's2-high', which === 'low' ? 35 : 50, same);
      answers.push((await h.client.checkBrake({ userId })).hrvCurrent?.valueMs);
    }
    expect(answers).toEqual([50, 50]);
  });

  it('prefers SDNN when both metrics were measured at the same instant, whatever their order of arrival', async () => {
    const same = new Date(now0.getTime() - 5 * minute);
    const answers: unknown[] = [];
    for (const [userId, first] of [['both-a', HrvMetric.SDNN], ['both-b', HrvMetric.RMSSD]] as const) {
      await register(h, userId, new Date(now0.getTime() - 3 * 1440 * minute));
      for (const metric of first === HrvMetric.SDNN ? [HrvMetric.SDNN, HrvMetric.RMSSD] : [HrvMetric.RMSSD, HrvMetric.SDNN]) {
        await sample(h, userId, `${userId}-${metric}`, metric === HrvMetric.SDNN ? 40 : 90, same, metric);
      }
      answers.push((await h.client.getState({ userId })).hrvCurrent?.metric);
    }
    expect(answers).toEqual([HrvMetric.SDNN, HrvMetric.SDNN]);
  });

  it('dead-letters a sample it can never apply (unknown metric, no time, no positive value) and applies the valid one after it', async () => {
    const userId = 'poison-hrv';
    await register(h, userId, new Date(now0.getTime() - 3 * 1440 * minute));
    const recorded = (fields: { metric: HrvMetric; valueMs: number; measuredAt?: Date }) =>
      h.publish(topics.hrv, userId, HrvSampleRecordedSchema, create(HrvSampleRecordedSchema, {
        userId, sampleId: `s-${fields.metric}-${fields.valueMs}`, metric: fields.metric, source: HrvSource.HEALTHKIT, valueMs: fields.valueMs,
        ...(fields.measuredAt ? { measuredAt: timestampFromDate(fields.measuredAt) } : {}),
      }));
    const at = new Date(now0.getTime() - minute);
    const unknown = await recorded({ metric: 99 as HrvMetric, valueMs: 50, measuredAt: at });
    const untimed = await recorded({ metric: HrvMetric.SDNN, valueMs: 50 });
    const zero = await recorded({ metric: HrvMetric.SDNN, valueMs: 0, measuredAt: at });
    const deleted = await h.publish(topics.hrv, userId, HrvSampleDeletedSchema, create(HrvSampleDeletedSchema, { userId, sampleId: 'x', metric: HrvMetric.UNSPECIFIED }));
    // The same key: handled after every one of them was parked.
    await sample(h, userId, 'valid', 42, at);

    const poison = [unknown, untimed, zero, deleted];
    const { eventIds, letter } = await parkedOn(h, topics.hrv, poison);
    expect(eventIds.sort()).toEqual(poison.toSorted());
    expect(letter(unknown)).toEqual([['handler_failed', 'HrvSampleRecorded with an unknown HRV metric: 99']]);
    expect(letter(untimed)).toEqual([['handler_failed', 'HrvSampleRecorded without measured_at']]);
    expect(letter(zero)).toEqual([['handler_failed', 'HrvSampleRecorded with a value that is not positive: 0']]);
    expect(letter(deleted)).toEqual([['handler_failed', 'HrvSampleDeleted with an unknown HRV metric: 0']]);
    expect((await h.client.getState({ userId })).hrvCurrent?.valueMs).toBe(42);
  });
});
