import { retentionCutoff } from '../domain/retention.ts';
import { purgeOlderThan } from '../store/retention.repo.ts';
import type { Deps } from './deps.ts';

/** Deletes what is past retention by the service's clock; returns the cutoff and how many rows went. */
export async function purgeExpired(deps: Deps, retentionDays: number): Promise<{ cutoff: Date; decisions: number; reflections: number }> {
  const cutoff = retentionCutoff(deps.clock.now(), retentionDays);
  return { cutoff, ...(await purgeOlderThan(deps.db, cutoff)) };
}
