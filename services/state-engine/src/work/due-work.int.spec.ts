import { describe, expect, it } from '@jest/globals';
import { minute, day, meeting, register, sample } from '../../test/fixtures.ts';
import { harnessPerFile, type EngineHarness } from '../../test/harness.ts';
import { purgeExpired } from './due-work.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const ago = (ms: number) => new Date(now0.getTime() - ms);
const retention = { hrvDays: 8, eventHours: 24, idempotencyHours: 48 };

async function latestOf(h: EngineHarness, userId: string) {
  return h.deps.db.selectFrom('hrv_latest').select(['value_ms', 'measured_at', 'baseline_mean_ms', 'baseline_sample_count']).where('user_id', '=', userId).execute();
}

async function samplesOf(h: EngineHarness, userId: string): Promise<string[]> {
  const rows = await h.deps.db.selectFrom('hrv_samples').select('sample_id').where('user_id', '=', userId).orderBy('sample_id').execute();
  return rows.map((r) => r.sample_id);
}

describe('retention purge', () => {
  let h: EngineHarness;
  harnessPerFile(now0, (started) => (h = started));

  it('purges samples past retention and everything derived from them: the latest reading and its baseline', async () => {
    // Inactive for nine days: every sample, and so the latest reading, is past the 8-day retention.
    await register(h, 'gone', ago(20 * day), 'Europe/London');
    for (const [i, daysAgo] of [12, 11, 10, 9].entries()) await sample(h, 'gone', `g${i}`, 50 + i, ago(daysAgo * day));
    // Latest 3 days ago, judged against the week before it (10 to 3 days ago): three of its five are past retention.
    await register(h, 'thin', ago(20 * day), 'Europe/London');
    for (const [i, daysAgo] of [10, 9.5, 9, 4, 3.5, 3].entries()) await sample(h, 'thin', `t${i}`, 50, ago(daysAgo * day));
    // Active: its old samples are purged too, but its latest reading's week does not reach back to them.
    await register(h, 'active', ago(20 * day), 'Europe/London');
    for (const [i, daysAgo] of [9, 3, 2, 1].entries()) await sample(h, 'active', `a${i}`, 50, ago(daysAgo * day));
    await sample(h, 'active', 'a-now', 40, ago(5 * minute));
    // A latest reading left without its samples by an earlier purge.
    await h.deps.db.insertInto('hrv_latest').values({ user_id: 'orphan', metric: 'rmssd', value_ms: 60, measured_at: ago(30 * day), baseline_mean_ms: 61, baseline_std_dev_ms: 2, baseline_sample_count: 9 }).execute();
    await meeting(h, 'active', 'old-review', 'Review', ago(2 * day), 60);
    await meeting(h, 'active', 'new-review', 'Review', ago(60 * minute), 120);

    expect((await latestOf(h, 'thin'))[0]).toMatchObject({ baseline_mean_ms: 50, baseline_sample_count: 5 });
    const activeBefore = await latestOf(h, 'active');

    const purged = await purgeExpired(h.deps, retention);
    expect(purged).toMatchObject({ hrv_samples: 4 + 3 + 1, hrv_latest: 2, hrv_latest_recomputed: 2, high_stakes_events: 1 });

    expect(await samplesOf(h, 'gone')).toEqual([]);
    expect(await latestOf(h, 'gone')).toEqual([]);
    expect(await latestOf(h, 'orphan')).toEqual([]);
    // Two samples left in its week: below the minimum of three, so no baseline now.
    expect(await samplesOf(h, 'thin')).toEqual(['t3', 't4', 't5']);
    expect(await latestOf(h, 'thin')).toEqual([{ value_ms: 50, measured_at: ago(3 * day), baseline_mean_ms: null, baseline_sample_count: 2 }]);
    expect(await samplesOf(h, 'active')).toEqual(['a-now', 'a1', 'a2', 'a3']);
    expect(await latestOf(h, 'active')).toEqual(activeBefore);
    const events = await h.deps.db.selectFrom('high_stakes_events').select('event_id').where('user_id', '=', 'active').execute();
    expect(events.map((e) => e.event_id)).toEqual(['new-review']);

    // Nothing more to do the second time.
    expect(await purgeExpired(h.deps, retention)).toEqual({ hrv_samples: 0, hrv_latest: 0, hrv_latest_recomputed: 0, high_stakes_events: 0, idempotency_keys: 0 });
  });
});
