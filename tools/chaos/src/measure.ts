import { setTimeout as delay } from 'node:timers/promises';
import { checkHealth } from '@omtobe/dev-stack';

/** Polls `condition` until it holds; the epoch ms it first held, or undefined after `timeoutMs`. */
export async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return Date.now();
    if (Date.now() > deadline) return undefined;
    await delay(intervalMs);
  }
}

/** When the service on `port` first reports SERVING (grpc.health.v1 readiness), polling every 50 ms. */
export function servingAt(port: number, timeoutMs: number): Promise<number | undefined> {
  return pollUntil(async () => (await checkHealth(port)) === 'SERVING', timeoutMs);
}

/** Seconds with one decimal, or "—" for a measurement that never completed. */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : (ms / 1000).toFixed(1);
}
