import { NotFoundError } from '@omtobe/platform';
import type { Baseline } from '../domain/index.ts';
import type { HrvLatest } from '../store/hrv.repo.ts';
import { readUserSnapshot, type EventWindow, type UserSnapshot } from '../store/user-snapshot.repo.ts';
import { lockUserState, type UserState } from '../store/user-states.repo.ts';
import type { Engine } from './engine.ts';
import { rollOverIfDue } from './rollover.ts';

/**
 * What the user's checks and views read, as of `now`, in one statement; when a cycle rollover is due it is
 * applied first (in its own transaction) and the state returned is the one after it. A rollover clears the
 * pending brake, so its event is dropped with it.
 */
export async function currentSnapshot(engine: Engine, userId: string, now: Date, window: EventWindow): Promise<UserSnapshot> {
  const snapshot = await readUserSnapshot(engine.db, userId, window);
  if (!snapshot) throw unknownUser();
  if (snapshot.state.due_at.getTime() > now.getTime()) return snapshot;
  const state = await rollOver(engine, userId, now);
  const { pendingEvent: _cleared, ...rest } = snapshot;
  return { ...rest, state };
}

async function rollOver(engine: Engine, userId: string, now: Date): Promise<UserState> {
  return engine.db.transaction().execute(async (trx) => {
    const locked = await lockUserState(trx, userId);
    if (!locked) throw unknownUser();
    return rollOverIfDue(trx, locked, now);
  });
}

export function unknownUser(): NotFoundError {
  return new NotFoundError('the user is not registered (yet) with the state engine', { reason: 'unknown_user' });
}

export interface Reading {
  valueMs: number;
  metric: 'sdnn' | 'rmssd';
  measuredAt: Date;
  baseline?: Baseline;
}

/** The most recent reading over both metrics, with the baseline of its own metric. */
export function latestReading(readings: readonly HrvLatest[]): Reading | undefined {
  const latest = readings.reduce<HrvLatest | undefined>((best, r) => (!best || r.measured_at > best.measured_at ? r : best), undefined);
  if (!latest) return undefined;
  const baseline =
    latest.baseline_mean_ms !== null && latest.baseline_std_dev_ms !== null
      ? { meanMs: latest.baseline_mean_ms, stdDevMs: latest.baseline_std_dev_ms, sampleCount: latest.baseline_sample_count }
      : undefined;
  return { valueMs: latest.value_ms, metric: latest.metric, measuredAt: latest.measured_at, ...(baseline ? { baseline } : {}) };
}
