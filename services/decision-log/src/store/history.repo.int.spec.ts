import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decision, minutesAfter, openTestDb, reflection, type TestDb } from '../../test/support.ts';
import { allDecisions, insertDecision, listDecisions } from './decisions.repo.ts';
import { allReflections, insertReflection, listReflections } from './reflections.repo.ts';
import { eraseUser } from './users.repo.ts';

describe('decision and reflection repositories', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('decision_log_history');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('store a decision id once, whatever else the second copy says', async () => {
    const first = decision({ userId: 'once' });
    expect(await insertDecision(t.db, first)).toBe(true);
    expect(await insertDecision(t.db, { ...first, decision: 'Proceed', cycleDay: 5 })).toBe(false);
    expect(await allDecisions(t.db, 'once')).toEqual([
      { decisionId: first.decisionId, decidedAt: first.decidedAt, decision: 'Delay', cycleDay: 3 },
    ]);
    const answer = reflection({ userId: 'once' });
    expect(await insertReflection(t.db, answer)).toBe(true);
    expect(await insertReflection(t.db, answer)).toBe(false);
    expect(await allReflections(t.db, 'once')).toHaveLength(1);
  });

  it('page newest first, breaking equal times by id, with hasMore only when more exist', async () => {
    const base = '2025-01-08T10:00:00.000Z';
    // Inserted in scrambled order; three share a time.
    const rows = [2, 0, 4, 1, 3].map((i) => decision({ userId: 'pager', decidedAt: minutesAfter(base, Math.min(i, 2)) }));
    for (const row of rows) await insertDecision(t.db, row);
    const expected = [...rows]
      .sort((a, b) => b.decidedAt.getTime() - a.decidedAt.getTime() || (a.decisionId < b.decisionId ? 1 : -1))
      .map((r) => r.decisionId);

    const first = await listDecisions(t.db, 'pager', { limit: 2 });
    expect(first.hasMore).toBe(true);
    const last = first.entries.at(-1)!;
    const second = await listDecisions(t.db, 'pager', { limit: 2, after: { time: last.decidedAt, id: last.decisionId } });
    const lastOfSecond = second.entries.at(-1)!;
    const third = await listDecisions(t.db, 'pager', { limit: 2, after: { time: lastOfSecond.decidedAt, id: lastOfSecond.decisionId } });
    expect(third.hasMore).toBe(false);
    expect([...first.entries, ...second.entries, ...third.entries].map((e) => e.decisionId)).toEqual(expected);
    expect(await listDecisions(t.db, 'pager', { limit: 5 })).toMatchObject({ hasMore: false });
  });

  it('page reflections the same way', async () => {
    const rows = [0, 1, 2].map((i) => reflection({ userId: 'reflector', answeredAt: minutesAfter('2025-01-12T09:00:00Z', i * 60 * 24 * 7) }));
    for (const row of rows) await insertReflection(t.db, row);
    const first = await listReflections(t.db, 'reflector', { limit: 2 });
    expect(first.entries.map((e) => e.reflectionId)).toEqual([rows[2]!.reflectionId, rows[1]!.reflectionId]);
    const last = first.entries.at(-1)!;
    const second = await listReflections(t.db, 'reflector', { limit: 2, after: { time: last.answeredAt, id: last.reflectionId } });
    expect(second).toEqual({ entries: [expect.objectContaining({ reflectionId: rows[0]!.reflectionId })], hasMore: false });
  });

  it('erase every row of one user and no one else\'s', async () => {
    for (const userId of ['leaving', 'staying']) {
      await insertDecision(t.db, decision({ userId }));
      await insertDecision(t.db, decision({ userId, decision: 'Proceed' }));
      await insertReflection(t.db, reflection({ userId }));
    }
    expect(await eraseUser(t.db, 'leaving')).toEqual({ decisions: 2, reflections: 1 });
    expect(await t.db.selectFrom('decision_logs').select('decision_id').where('user_id', '=', 'leaving').execute()).toEqual([]);
    expect(await t.db.selectFrom('reflection_logs').select('reflection_id').where('user_id', '=', 'leaving').execute()).toEqual([]);
    expect(await allDecisions(t.db, 'staying')).toHaveLength(2);
    expect(await allReflections(t.db, 'staying')).toHaveLength(1);
  });
});
