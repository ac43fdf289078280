import type { BenchOptions } from './options.ts';
import type { ProcessMonitor, Usage } from './proc-stats.ts';
import type { RunningSystem } from './system.ts';
import type { BenchIdentity } from './tokens.ts';

/** What every scenario works with. */
export interface BenchContext {
  options: BenchOptions;
  system: RunningSystem;
  monitor: ProcessMonitor;
  identity: BenchIdentity;
  tempDir: string;
  /** The state engine's clock is the wall clock until the decide scenario moves it. */
  zones: string[];
  /** The machine's speed index when the benchmark started (speed.ts). */
  referenceSpeed: number;
  say: (line: string) => void;
}

/** The services and the database: what a request costs the system (load generator and driver excluded). */
export const systemRoles = ['gateway', 'state-engine', 'decision-log', 'integrations', 'postgres', 'kafka-broker'] as const;

export function systemCpuSeconds(usage: Usage, roles: readonly string[] = systemRoles): number {
  return roles.reduce((sum, role) => sum + (usage.roles[role]?.cpuSeconds ?? 0), 0);
}

/** JSON over HTTP with a bearer token; the body parsed when there is one. */
export async function call(url: string, token: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Runs `work` over the items with at most `concurrency` at once. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Percentile of a sorted-or-not sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
