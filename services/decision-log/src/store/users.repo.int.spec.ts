import { describe, expect, it } from '@jest/globals';
import { decision, reflection, useTestDb } from '../../test/support.ts';
import { allDecisions, insertDecision } from './decisions.repo.ts';
import { allReflections, insertReflection } from './reflections.repo.ts';
import { eraseUser } from './users.repo.ts';

describe('users repository', () => {
  const t = useTestDb('decision_log_users');

  it('erases every row of one user and no one else\'s', async () => {
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
