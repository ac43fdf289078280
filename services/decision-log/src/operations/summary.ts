import type { SummaryRange } from '../domain/summary-range.ts';
import { summarize, type Summary } from '../store/summary.repo.ts';
import type { Deps } from './deps.ts';

/** Operators' key metrics over [from, to), across all users (README "Summary definition"). */
export function summary(deps: Deps, range: SummaryRange): Promise<Summary> {
  return summarize(deps.db, range);
}
