import type pg from 'pg';
import { persistMs } from '../load/app-user.ts';
import type { LoadDriver } from '../load/load-driver.ts';
import { decisionLogGaps, sampleGaps, waitForDecisionLog, waitForSamples, type Gaps } from '../verify.ts';
import type { Figure } from './scenario.ts';

/**
 * The criterion of every scenario, once the load has stopped: every decision the gateway acknowledged is in
 * the decision log exactly once (read through the public API, page by page), and every acknowledged sample
 * is held by integrations and has reached the state engine. Waits up to 30 s for each to settle first.
 */
export async function checkExactlyOnce(driver: LoadDriver, pool: pg.Pool): Promise<{ figures: Figure[]; failures: string[] }> {
  const decisions = driver.decisions();
  const samples = driver.samples();
  await waitForDecisionLog(driver.client, driver.users, decisions, 30_000);
  await waitForSamples(pool, samples, 30_000);
  const logGaps = await decisionLogGaps(driver.client, driver.users, decisions);
  const held = await sampleGaps(pool, samples);
  const abandoned = driver.abandoned();

  const failures: string[] = [];
  const rejected = driver.refused().filter((r) => / upload [0-9A-F-]+: /.test(r));
  if (rejected.length > 0) failures.push(`${rejected.length} uploaded samples rejected, e.g. ${rejected[0]}`);
  if (abandoned.decisions + abandoned.samples > 0) {
    failures.push(`the app gave up after ${persistMs / 1000} s of retries on ${abandoned.decisions} decisions and ${abandoned.samples} samples`);
  }
  if (!logGaps) failures.push('the decision history could not be read after the run');
  else failures.push(...gapFailures('decision log', logGaps, abandoned.decisions));
  failures.push(...gapFailures('integrations hrv_samples', held.integrations, abandoned.samples));
  // The state engine also holds the mock stream's and the drops' samples: only what is missing counts.
  failures.push(...gapFailures('state_engine hrv_samples', { ...held.stateEngine, unacknowledged: 0 }, 0));
  return {
    failures,
    figures: [
      { label: 'missing / duplicated decisions', value: logGaps ? `${logGaps.missing.length} / ${logGaps.duplicated.length}` : '—', unit: 'text' },
      { label: 'missing samples (integrations / state engine)', value: `${held.integrations.missing.length} / ${held.stateEngine.missing.length}`, unit: 'text' },
    ],
  };
}

function gapFailures(where: string, gaps: Gaps, abandoned: number): string[] {
  const failures: string[] = [];
  if (gaps.missing.length > 0) failures.push(`${where}: ${gaps.missing.length} of ${gaps.acknowledged} acknowledged missing (e.g. ${gaps.missing.slice(0, 3).join(', ')})`);
  if (gaps.duplicated.length > 0) failures.push(`${where}: ${gaps.duplicated.length} held more than once (e.g. ${gaps.duplicated.slice(0, 3).join(', ')})`);
  if (gaps.unacknowledged > abandoned) failures.push(`${where}: ${gaps.unacknowledged} held but never acknowledged (${abandoned} requests abandoned)`);
  return failures;
}
