import type { DecisionEntry, ReflectionEntry } from '../domain/records.ts';
import { allDecisions } from '../store/decisions.repo.ts';
import { allReflections } from '../store/reflections.repo.ts';
import type { Deps } from './deps.ts';

export interface UserData {
  decisions: DecisionEntry[];
  reflections: ReflectionEntry[];
}

/** Everything held about one user, newest first. */
export async function exportUserData(deps: Deps, userId: string): Promise<UserData> {
  // One snapshot: the two lists must describe the same moment.
  const [decisions, reflections] = await deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => Promise.all([allDecisions(trx, userId), allReflections(trx, userId)]));
  return { decisions, reflections };
}
