import { describe, expect, it } from '@jest/globals';
import { decision, minutesAfter, useTestDb } from '../../test/support.ts';
import { allDecisions, insertDecision, listDecisions } from './decisions.repo.ts';

describe('decisions repository', () => {
  const t = useTestDb('decision_log_decisions');

  it('stores a decision id once, whatever else the second copy says', async () => {
    const first = decision({ userId: 'once' });
    expect(await insertDecision(t.db, first)).toBe(true);
    expect(await insertDecision(t.db, { ...first, decision: 'Proceed', cycleDay: 5 })).toBe(false);
    expect(await allDecisions(t.db, 'once')).toEqual([
      { decisionId: first.decisionId, decidedAt: first.decidedAt, decision: 'Delay', cycleDay: 3 },
    ]);
  });

  it('pages newest first, breaking equal times by id, with hasMore only when more exist', async () => {
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
});
