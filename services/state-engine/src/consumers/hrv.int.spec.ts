import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { HrvMetric } from '@omtobe/proto/integrations/v1';
import { BrakeReason } from '@omtobe/proto/state-engine/v1';
import { minute, register, sample, seedBaseline, seedBrakingUser } from '../../test/fixtures.ts';
import { startEngineHarness, type EngineHarness } from '../../test/harness.ts';

const now0 = new Date('2026-03-06T20:30:00Z');
const second = 1000;

describe('hrv.v1: which reading the brake judges', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness(now0);
  });
  beforeEach(() => {
    h.clock.set(now0);
  });
  afterAll(async () => {
    await h.close();
  });

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
});
