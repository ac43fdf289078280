const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows recorded before this instant are past retention. Days are 24-hour spans: retention needs no calendar. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError(`retention must be a whole number of days ≥ 1, got ${retentionDays}`);
  return new Date(now.getTime() - retentionDays * DAY_MS);
}
