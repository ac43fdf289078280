import { describe, expect, it } from '@jest/globals';
import type { Clock } from '@omtobe/platform';
import { eventually, TestClock } from '@omtobe/testing';
import { decision, reflection, silentLogger, testDeps, useTestDb, type TestDb } from '../../test/support.ts';
import { insertDecision } from '../store/decisions.repo.ts';
import { insertReflection } from '../store/reflections.repo.ts';
import { purgeOlderThan } from '../store/retention.repo.ts';
import { startRetention } from './retention.ts';

const count = async (t: TestDb) => ({
  decisions: (await t.db.selectFrom('decision_logs').select('decision_id').execute()).length,
  reflections: (await t.db.selectFrom('reflection_logs').select('reflection_id').execute()).length,
});

describe('retention', () => {
  const t = useTestDb('decision_log_retention');
  const start = (clock: Clock, retentionDays: number, intervalMs: number) =>
    startRetention(testDeps(t.db, { clock }), { logger: silentLogger, retentionDays, intervalMs });

  it('purges rows older than the retention, by the injected clock, and keeps the rest', async () => {
    await insertDecision(t.db, decision({ decidedAt: new Date('2025-01-01T11:59:59.999Z') }));
    await insertDecision(t.db, decision({ decidedAt: new Date('2025-01-01T12:00:00.000Z') }));
    await insertReflection(t.db, reflection({ answeredAt: new Date('2024-12-01T00:00:00.000Z') }));
    await insertReflection(t.db, reflection({ answeredAt: new Date('2025-01-20T00:00:00.000Z') }));
    const clock = new TestClock('2025-01-31T12:00:00.000Z');
    const job = start(clock, 30, 50);
    try {
      // The first run happens at start: exactly 30 days before now is kept.
      await eventually(() => count(t), (c) => c.decisions === 1 && c.reflections === 1);
      const kept = await t.db.selectFrom('decision_logs').select('decided_at').executeTakeFirstOrThrow();
      expect(kept.decided_at.toISOString()).toBe('2025-01-01T12:00:00.000Z');

      // Later runs follow the clock, not the wall time.
      clock.advance(20 * 24 * 60 * 60 * 1000);
      await eventually(() => count(t), (c) => c.decisions === 0 && c.reflections === 0);
    } finally {
      await job.stop();
    }
  });

  it('stops scheduling runs once stopped', async () => {
    // Clocks that count how often a job asked for "now": once per run.
    const countingClock = () => {
      const clock = new TestClock('2025-01-31T12:00:00.000Z');
      const counted = { runs: 0, now: () => ((counted.runs += 1), clock.now()) };
      return counted;
    };
    const stoppedClock = countingClock();
    const stopped = start(stoppedClock, 36_500, 20);
    await stopped.stop();
    const runsAtStop = stoppedClock.runs;
    // A job with the same interval, still running, shows how much time passed: several intervals.
    const referenceClock = countingClock();
    const reference = start(referenceClock, 36_500, 20);
    try {
      await eventually(() => referenceClock.runs, (runs) => runs >= 5);
    } finally {
      await reference.stop();
    }
    expect(runsAtStop).toBe(1);
    expect(stoppedClock.runs).toBe(runsAtStop);
  });

  it('purges a backlog larger than one batch', async () => {
    for (let i = 0; i < 7; i += 1) await insertDecision(t.db, decision({ decidedAt: new Date(`2020-01-0${i + 1}T00:00:00.000Z`) }));
    await insertDecision(t.db, decision({ decidedAt: new Date('2025-01-01T00:00:00.000Z') }));
    expect(await purgeOlderThan(t.db, new Date('2024-01-01T00:00:00.000Z'), 3)).toEqual({ decisions: 7, reflections: 0 });
    expect((await count(t)).decisions).toBe(1);
  });
});
