import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { AckedDecision, AckedSample, AppUser } from './load/app-user.ts';
import { isRetryable, isSuccess } from './load/calls.ts';
import type { GatewayClient } from './load/gateway-client.ts';

/** How acknowledged writes compare with what the system holds: each must be there exactly once. */
export interface Gaps {
  acknowledged: number;
  missing: string[];
  duplicated: string[];
  /** Held but never acknowledged (fine only for requests the app gave up on). */
  unacknowledged: number;
}

/** Every decision id in the user's history, page by page through its cursor; undefined if a page could not be read. */
export async function readDecisionHistory(client: GatewayClient, user: AppUser, pageSize = 50): Promise<string[] | undefined> {
  const ids: string[] = [];
  let token: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const query: string = `page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    let answer = await client.call('history', `/decisions/history?${query}`, { token: user.bearer });
    for (let retry = 0; retry < 20 && isRetryable(answer.outcome); retry++) {
      await delay(250);
      answer = await client.call('history', `/decisions/history?${query}`, { token: user.bearer });
    }
    if (!isSuccess(answer.outcome)) return undefined;
    const body = answer.json as { decisions: Array<{ decision_id: string }>; next_page_token: string | null };
    ids.push(...body.decisions.map((d) => d.decision_id));
    token = body.next_page_token;
    if (!token) return ids;
  }
  return undefined;
}

export function compare(acknowledged: readonly string[], held: readonly string[]): Gaps {
  const counts = new Map<string, number>();
  for (const id of held) counts.set(id, (counts.get(id) ?? 0) + 1);
  const wanted = new Set(acknowledged);
  return {
    acknowledged: wanted.size,
    missing: [...wanted].filter((id) => !counts.has(id)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    unacknowledged: [...counts.keys()].filter((id) => !wanted.has(id)).length,
  };
}

/** The decision log (through the public API) against the decisions acknowledged to these users. */
export async function decisionLogGaps(client: GatewayClient, users: readonly AppUser[], decisions: readonly AckedDecision[]): Promise<Gaps | undefined> {
  const held: string[] = [];
  for (const user of users) {
    const ids = await readDecisionHistory(client, user);
    if (!ids) return undefined;
    held.push(...ids);
  }
  return compare(
    decisions.map((d) => d.decisionId),
    held,
  );
}

/**
 * Polls the decision log until every given decision is in it; when that was (epoch ms), or undefined at
 * the deadline. Users are read in parallel, in pages of 1,000 (one page each, so the poll's own latency
 * stays well under the recovery it measures), and only those with a decision still missing.
 */
export async function waitForDecisionLog(client: GatewayClient, users: readonly AppUser[], decisions: readonly AckedDecision[], timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  const pending = new Map<string, Set<string>>();
  for (const d of decisions) pending.set(d.userId, (pending.get(d.userId) ?? new Set()).add(d.decisionId));
  while (Date.now() - started < timeoutMs) {
    await Promise.all(
      users
        .filter((user) => pending.has(user.id))
        .map(async (user) => {
          const wanted = pending.get(user.id)!;
          for (const id of (await readDecisionHistory(client, user, 1_000)) ?? []) wanted.delete(id);
          if (wanted.size === 0) pending.delete(user.id);
        }),
    );
    if (pending.size === 0) return Date.now();
    await delay(100);
  }
  return undefined;
}

/** The HealthKit samples integrations stores, and the samples the state engine received through hrv.v1. */
export async function sampleGaps(pool: pg.Pool, samples: readonly AckedSample[]): Promise<{ integrations: Gaps; stateEngine: Gaps }> {
  const userIds = [...new Set(samples.map((s) => s.userId))];
  const ids = samples.map((s) => `${s.userId}/${s.sampleId}`);
  const held = async (sql: string) => (await pool.query<{ id: string }>(sql, [userIds])).rows.map((r) => r.id);
  return {
    integrations: compare(ids, await held(`select user_id || '/' || sample_id as id from integrations.hrv_samples where source = 'healthkit' and user_id = any($1)`)),
    // The mock stream's and the drops' samples are there too: its `unacknowledged` means nothing.
    stateEngine: compare(ids, await held(`select user_id || '/' || sample_id as id from state_engine.hrv_samples where user_id = any($1)`)),
  };
}

/** Polls until integrations and the state engine hold every acknowledged sample; when (epoch ms), or undefined at the deadline. */
export async function waitForSamples(pool: pg.Pool, samples: readonly AckedSample[], timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const gaps = await sampleGaps(pool, samples).catch(() => undefined);
    if (gaps && gaps.stateEngine.missing.length === 0 && gaps.integrations.missing.length === 0) return Date.now();
    await delay(200);
  }
  return undefined;
}
