/**
 * The brake question answered the plainest way, for the floor server: the rules of ARCHITECTURE.md ("The
 * rules") over one user's row of each table, in the state engine's order of reasons. Only what the floor
 * needs; the state engine's domain is the reference and the benchmark compares answers for a sample of users.
 */
export interface FloorRow {
  timezone: string;
  start_date: string;
  due_at: Date;
  pending_event_id: string | null;
  cooling_until: Date | null;
  locked_event_ids: string[];
  value_ms: number | null;
  measured_at: Date | null;
  baseline_mean_ms: number | null;
  baseline_std_dev_ms: number | null;
  events: Array<{ id: string; title: string; starts_at: string; ends_at: string }>;
}

const freshnessMs = 60 * 60_000;
const futureToleranceMs = 60_000;
const dropRatio = 0.8;

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function localDate(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) dateFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(at); // en-CA formats as YYYY-MM-DD
}

const phases = ['Total Silence', 'Total Silence', 'Intervention Logic', 'Intervention Logic', 'Intervention Logic', 'Preparation', 'Reflection'];

export function answer(row: FloorRow, now: Date) {
  const day = Math.round((Date.parse(localDate(now, row.timezone)) - Date.parse(row.start_date)) / 86_400_000) + 1;
  const phase = phases[Math.min(Math.max(day, 1), 7) - 1]!;
  const cooling = row.cooling_until && row.cooling_until > now ? row.cooling_until : null;
  const running = row.events.filter((e) => Date.parse(e.starts_at) <= now.getTime() && now.getTime() < Date.parse(e.ends_at));
  const open = running.filter((e) => !row.locked_event_ids.includes(e.id));
  const age = row.measured_at ? now.getTime() - row.measured_at.getTime() : Infinity;
  let reason: string | null = null;
  if (day <= 2) reason = 'silence_phase';
  else if (day === 6) reason = 'preparation_phase';
  else if (day >= 7) reason = 'reflection_phase';
  else if (cooling) reason = 'cooling';
  else if (running.length === 0) reason = 'no_high_stakes_event';
  else if (open.length === 0) reason = 'locked_for_event';
  else if (!(age <= freshnessMs && age >= -futureToleranceMs)) reason = 'stale_hrv';
  else if (row.baseline_mean_ms === null || row.baseline_mean_ms <= 0) reason = 'no_baseline';
  else if (row.value_ms! > dropRatio * row.baseline_mean_ms + 1e-9) reason = 'hrv_normal';
  const event = reason === null ? open[0]! : null; // the query orders events by start, then id
  return {
    should_display: reason === null,
    event_id: event?.id ?? null,
    event: event && { id: event.id, title: event.title, starts_at: new Date(event.starts_at).toISOString(), ends_at: new Date(event.ends_at).toISOString() },
    reason,
    current_day: day,
    phase,
    hrv_current: row.value_ms,
    hrv_metric: row.value_ms === null ? null : 'sdnn',
    hrv_measured_at: row.measured_at?.toISOString() ?? null,
    hrv_baseline_mean: row.baseline_mean_ms,
    hrv_baseline_std_dev: row.baseline_std_dev_ms,
    cooling_until: cooling?.toISOString() ?? null,
    decision_locked: running.some((e) => row.locked_event_ids.includes(e.id)),
    timestamp: now.toISOString(),
  };
}
