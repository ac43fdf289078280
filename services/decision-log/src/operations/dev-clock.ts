import { advanceDevClock } from '@omtobe/db';
import type { Deps } from './deps.ts';

/** Development only: moves the clock the purge judges by (FAILED_PRECONDITION without one; never back). */
export function moveDevClock(deps: Deps, offsetMs: number): Promise<{ offsetMs: number; now: Date }> {
  return advanceDevClock(deps.devClock, offsetMs);
}
