import { FailedPreconditionError, NotFoundError } from '@omtobe/platform';
import type { MockSettings } from '../../domain/settings.ts';
import { localParts } from '../../domain/zoned-time.ts';
import { storeNewSamples } from '../../operations/ingest/hrv-samples.ts';
import type { Db } from '../../store/database.ts';
import { recentValues, type SampleRow } from '../../store/samples.repo.ts';
import { findKnownUser, setMockDrop, usersDueForMockReading, type KnownUser } from '../../store/users.repo.ts';
import type { Deps } from '../../operations/deps.ts';
import { personalNormMs, syntheticSdnn } from './synthetic-hrv.ts';

/** Spacing of the history written at registration: Apple Watch records SDNN every few hours. */
const BACKFILL_SPACING_MS = 3 * 3_600_000;
const NORM_WINDOW_MS = 7 * 24 * 3_600_000;
/** Users given a reading per transaction by the stream. */
const STREAM_BATCH = 200;

export function mockOf(deps: Deps): MockSettings {
  if (!deps.settings.mock) {
    throw new FailedPreconditionError('development controls are off (OMTOBE_MODE is not development, or MOCK_PROVIDERS is off)', { reason: 'development_only' });
  }
  return deps.settings.mock;
}

function mockSample(user: KnownUser, at: Date, now: Date, id: string): SampleRow {
  const dropped = user.mock_drop_until && user.mock_drop_until > at && user.mock_drop_ratio !== null ? user.mock_drop_ratio : 1;
  const value = Math.round(syntheticSdnn(user.user_id, at, localParts(at, user.timezone).hour) * dropped * 10) / 10;
  return { user_id: user.user_id, source: 'mock', sample_id: id, metric: 'sdnn', value_ms: value, measured_at: at, received_at: now };
}

async function store(trx: Db, deps: Pick<Deps, 'logger' | 'settings'>, rows: SampleRow[], now: Date): Promise<SampleRow[]> {
  const fresh = await storeNewSamples(trx, rows, { now, clockSkewToleranceMs: deps.settings.hrv.clockSkewToleranceMs, logger: deps.logger });
  return rows.filter((r) => fresh.has(r.sample_id));
}

/** A new user's past week, so the state engine has a baseline from the first minute of a demo. */
export async function backfillMockHistory(trx: Db, deps: Pick<Deps, 'logger' | 'settings'>, settings: MockSettings, user: KnownUser, now: Date): Promise<number> {
  const rows: SampleRow[] = [];
  for (let t = now.getTime() - settings.backfillMs; t <= now.getTime() - settings.hrvIntervalMs; t += BACKFILL_SPACING_MS) {
    rows.push(mockSample(user, new Date(t), now, `mock-${new Date(t).toISOString()}`));
  }
  return (await store(trx, deps, rows, now)).length;
}

/**
 * The stream: a reading now for every known user whose last mock reading is an interval old. Only users
 * owed a reading are read, a batch at a time, each batch written in one transaction, so a quiet tick is
 * one query. Stops between batches once `signal` aborts (shutdown).
 */
export async function tickMockHrv(deps: Deps, signal?: AbortSignal): Promise<number> {
  const settings = mockOf(deps);
  const now = deps.clock.now();
  const since = new Date(now.getTime() - settings.hrvIntervalMs);
  const sampleId = `mock-${now.toISOString()}`;
  let written = 0;
  let after = '';
  while (!signal?.aborted) {
    const due = await usersDueForMockReading(deps.db, since, after, STREAM_BATCH);
    if (due.length === 0) break;
    written += (await deps.db.transaction().execute((trx) => store(trx, deps, due.map((user) => mockSample(user, now, now, sampleId)), now))).length;
    if (due.length < STREAM_BATCH) break;
    after = due[due.length - 1]!.user_id;
  }
  return written;
}

/**
 * Development control: a reading `dropPercent`% below the user's recent norm (the mean of their SDNN
 * readings of the past week, or the synthetic norm when there are none), now; the stream stays that
 * far down for the hold time, as a stressful stretch would.
 */
export async function injectHrvDrop(deps: Deps, userId: string, dropPercent: number): Promise<SampleRow> {
  const settings = mockOf(deps);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const user = await findKnownUser(trx, userId);
    if (!user) throw new NotFoundError('unknown user: register first', { reason: 'unknown_user' });
    const recent = await recentValues(trx, userId, 'sdnn', new Date(now.getTime() - NORM_WINDOW_MS));
    const norm = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : personalNormMs(userId);
    const ratio = 1 - dropPercent / 100;
    await setMockDrop(trx, userId, ratio, new Date(now.getTime() + settings.dropHoldMs));
    const row: SampleRow = {
      user_id: userId,
      source: 'mock',
      sample_id: `mock-drop-${now.toISOString()}`,
      metric: 'sdnn',
      value_ms: Math.max(deps.settings.hrv.minMs, Math.round(norm * ratio * 10) / 10),
      measured_at: now,
      received_at: now,
    };
    await store(trx, deps, [row], now);
    return row;
  });
}
