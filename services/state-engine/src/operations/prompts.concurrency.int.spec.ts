import { describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { PromptKind, PromptTransitionKind } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { defaultRules } from '../domain/index.ts';
import { upsertEvent } from '../store/calendar-events.repo.ts';
import { upsertSamples } from '../store/hrv.repo.ts';
import { lockUserState } from '../store/user-states.repo.ts';
import { minute, day, register, seedBaseline } from '../../test/fixtures.ts';
import { harnessPerFile, type EngineHarness } from '../../test/harness.ts';
import { promptsFor } from '../../test/published.ts';
import { refreshLatest } from './baselines.ts';
import { reconcilePrompt } from './prompts.ts';

// 15:30 in New York on Friday 2026-03-06; registered three days before: Day 4, Intervention Logic.
const now = new Date('2026-03-06T20:30:00Z');

describe('prompts under concurrent consumers', () => {
  let h: EngineHarness;
  harnessPerFile(now, (started) => (h = started));

  it('the HRV and calendar consumers handling one user at once: the later evaluation sees the earlier one’s committed row and raises the brake', async () => {
    const user = 'race';
    await register(h, user, new Date(now.getTime() - 3 * day));
    await seedBaseline(h, user, now); // a baseline, and a latest reading two days old: stale, so no brake yet
    const { db } = h.deps;

    // The calendar consumer: holds the user's row (as its evaluation does) and stores a running Board Meeting.
    const calendar = await db.startTransaction().execute();
    // The HRV consumer: stores a fresh 30 % drop, then evaluates: it must wait for the calendar consumer's lock.
    const hrv = await db.startTransaction().execute();
    try {
      expect(await lockUserState(calendar, user)).toBeDefined();
      await upsertEvent(calendar, user, { id: 'race-board', title: 'Board Meeting', startsAt: new Date(now.getTime() - 10 * minute), endsAt: new Date(now.getTime() + 80 * minute) });

      await upsertSamples(hrv, [{ userId: user, metric: 'sdnn', sampleId: 'race-drop', valueMs: 35.0, measuredAt: new Date(now.getTime() - minute) }]);
      await refreshLatest(hrv, user, 'sdnn', 'America/New_York', defaultRules, now);
      const hrvEvaluation = reconcilePrompt(hrv, user, now, defaultRules);
      await eventually(
        async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db)).rows[0]!.n,
        (n) => n === 1,
      );

      // The calendar consumer cannot see the uncommitted drop: the reading it sees is stale, so it asks for a fresh one.
      expect((await reconcilePrompt(calendar, user, now, defaultRules))?.prompt_kind ?? 'none').toBe('none');
      await calendar.commit().execute();

      // Its evaluation, once the lock is granted, reads afresh: the committed meeting and its own drop.
      await hrvEvaluation;
      await hrv.commit().execute();
    } finally {
      await calendar.rollback().execute().catch(() => undefined);
      await hrv.rollback().execute().catch(() => undefined);
    }

    expect((await h.client.getState({ userId: user })).prompt?.kind).toBe(PromptKind.BRAKE);
    expect((await promptsFor(h, user)).map((t) => [PromptTransitionKind[t.kind], t.event?.eventId])).toEqual([
      ['READING_REQUESTED', 'race-board'],
      ['BRAKE_RAISED', 'race-board'],
    ]);
  }, 60_000);
});
