import { describe, expect, it } from '@jest/globals';
import { minutesAfter, reflection, useTestDb } from '../../test/support.ts';
import { allReflections, insertReflection, listReflections } from './reflections.repo.ts';

describe('reflections repository', () => {
  const t = useTestDb('decision_log_reflections');

  it('stores a reflection id once', async () => {
    const answer = reflection({ userId: 'once' });
    expect(await insertReflection(t.db, answer)).toBe(true);
    expect(await insertReflection(t.db, answer)).toBe(false);
    expect(await allReflections(t.db, 'once')).toHaveLength(1);
  });

  it('pages reflections newest first, as decisions are', async () => {
    const rows = [0, 1, 2].map((i) => reflection({ userId: 'reflector', answeredAt: minutesAfter('2025-01-12T09:00:00Z', i * 60 * 24 * 7) }));
    for (const row of rows) await insertReflection(t.db, row);
    const first = await listReflections(t.db, 'reflector', { limit: 2 });
    expect(first.entries.map((e) => e.reflectionId)).toEqual([rows[2]!.reflectionId, rows[1]!.reflectionId]);
    const last = first.entries.at(-1)!;
    const second = await listReflections(t.db, 'reflector', { limit: 2, after: { time: last.answeredAt, id: last.reflectionId } });
    expect(second).toEqual({ entries: [expect.objectContaining({ reflectionId: rows[0]!.reflectionId })], hasMore: false });
  });
});
