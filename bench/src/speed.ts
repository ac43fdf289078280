import { createHash } from 'node:crypto';
import { round } from './proc-stats.ts';

/**
 * This machine's speed now: iterations per second of a fixed single-threaded workload (hashing and JSON),
 * the median of a few short samples. This VM's vCPUs run at very different speeds from one minute to the
 * next (2× apart, with no steal time reported), so every measured window is bracketed by this index and
 * costs are also given normalised to the speed at the start of the benchmark.
 */
export function speedIndex(samples = 5, sampleMs = 60): number {
  const data = Buffer.alloc(16_384, 7);
  const doc = { user_id: 'u0000001', values: [1, 2, 3], title: 'x'.repeat(64), nested: { mean: 51.3 } };
  const rates: number[] = [];
  for (let s = 0; s < samples; s += 1) {
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < sampleMs) {
      createHash('sha256').update(data).digest();
      JSON.parse(JSON.stringify(doc));
      n += 1;
    }
    rates.push(n / ((performance.now() - started) / 1000));
  }
  return round(rates.sort((a, b) => a - b)[Math.floor(samples / 2)]!, 0);
}

/** The speed around a window: measured before and after it (when the system is idle). */
export interface Speed {
  before: number;
  after: number;
}

export const meanSpeed = (s: Speed) => (s.before + s.after) / 2;
