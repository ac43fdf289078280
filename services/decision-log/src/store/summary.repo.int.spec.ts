import { beforeAll, describe, expect, it } from '@jest/globals';
import { decision, minutesAfter, reflection, useTestDb } from '../../test/support.ts';
import { insertDecision } from './decisions.repo.ts';
import { insertReflection } from './reflections.repo.ts';
import { summarize } from './summary.repo.ts';

const from = new Date('2025-01-06T00:00:00.000Z');
const to = new Date('2025-01-13T00:00:00.000Z');
const day3 = '2025-01-08T10:00:00.000Z';

describe('summarize', () => {
  const t = useTestDb('decision_log_summary');
  beforeAll(async () => {
    const rows = [
      // a: Delay, brake again 20 min later (Proceed) on the same day → followed
      decision({ userId: 'a', decidedAt: new Date(day3), decision: 'Delay', cycleDay: 3 }),
      decision({ userId: 'a', decidedAt: minutesAfter(day3, 20), decision: 'Proceed', cycleDay: 3 }),
      // b: Delay, then Delay again 20 min later (followed), then nothing more that day (not followed)
      decision({ userId: 'b', decidedAt: new Date(day3), decision: 'Delay', cycleDay: 3 }),
      decision({ userId: 'b', decidedAt: minutesAfter(day3, 20), decision: 'Delay', cycleDay: 3 }),
      // b's next decision is on day 4: a new day, so the last Delay of day 3 was not followed
      decision({ userId: 'b', decidedAt: minutesAfter(day3, 24 * 60), decision: 'Proceed', cycleDay: 4 }),
      // c: a Delay whose only "same day number" successor is a cycle later → not followed
      decision({ userId: 'c', decidedAt: new Date(day3), decision: 'Delay', cycleDay: 3 }),
      decision({ userId: 'c', decidedAt: minutesAfter(day3, 7 * 24 * 60), decision: 'Proceed', cycleDay: 3 }),
      // d: a Delay just before `to` whose follow-up is just after it → followed (the follow-up is its outcome)
      decision({ userId: 'd', decidedAt: minutesAfter(to, -10), decision: 'Delay', cycleDay: 5 }),
      decision({ userId: 'd', decidedAt: minutesAfter(to, 15), decision: 'Proceed', cycleDay: 5 }),
      // e: another user's decision in between does not make a Delay "followed"
      decision({ userId: 'e', decidedAt: minutesAfter(day3, 1), decision: 'Delay', cycleDay: 3 }),
      // outside the range: not counted at all
      decision({ userId: 'a', decidedAt: minutesAfter(from, -1), decision: 'Delay', cycleDay: 2 }),
      decision({ userId: 'a', decidedAt: minutesAfter(from, -1 + 1 / 60), decision: 'Delay', cycleDay: 2 }),
    ];
    for (const row of rows) await insertDecision(t.db, row);
    for (const [response, at] of [
      ['Yes', '2025-01-12T09:00:00.000Z'],
      ['Yes', '2025-01-12T10:00:00.000Z'],
      ['No', '2025-01-12T11:00:00.000Z'],
      ['Skip', '2025-01-06T00:00:00.000Z'], // from is inclusive
      ['Skip', '2025-01-13T00:00:00.000Z'], // to is exclusive
    ] as const) {
      await insertReflection(t.db, reflection({ response, answeredAt: new Date(at) }));
    }
  });

  it('counts answers in [from, to) and the Delays the brake followed on the same cycle day', async () => {
    expect(await summarize(t.db, { from, to })).toEqual({
      proceedCount: 2, // a's and b's; c's Proceed is a week later, d's is after `to`
      delayCount: 6, // a, b×2, c, d, e
      delayFollowedByBrakeCount: 3, // a, b's first, d
      reflectionYesCount: 2,
      reflectionNoCount: 1,
      reflectionSkipCount: 1,
    });
  });

  it('is all zeros over an empty range', async () => {
    expect(await summarize(t.db, { from: new Date('2030-01-01T00:00:00Z'), to: new Date('2030-02-01T00:00:00Z') })).toEqual({
      proceedCount: 0,
      delayCount: 0,
      delayFollowedByBrakeCount: 0,
      reflectionYesCount: 0,
      reflectionNoCount: 0,
      reflectionSkipCount: 0,
    });
  });
});
