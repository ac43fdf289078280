import type { Identity } from '../infra/identity.ts';
import type { RestartablePostgres } from '../infra/postgres.ts';
import type { ChaosStack } from '../infra/single-stack.ts';

/** One measured figure of a scenario, with its target when it has one (a missed target fails the scenario). */
export interface Figure {
  label: string;
  /** Milliseconds, a count, or text. */
  value: number | string | undefined;
  unit: 'ms' | 'count' | 'text';
  /** Upper bound (same unit) the value must not exceed. */
  targetMax?: number;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  failures: string[];
  figures: Figure[];
  seconds: number;
}

/** What a scenario reports; a scenario with failures failed. */
export type ScenarioOutcome = Pick<ScenarioResult, 'figures' | 'failures'>;

export interface ChaosContext {
  root: string;
  runDir: string;
  logDir: string;
  quick: boolean;
  postgres: RestartablePostgres;
  identity: Identity;
  /** The shared stack of single replicas, started on first use and started afresh when a scenario left it unhealthy. */
  stack(): Promise<ChaosStack>;
  /** Drops the shared stack (the replica scenario needs the machine to itself). */
  stopStack(): Promise<void>;
  say(line: string): void;
}

export interface Scenario {
  name: string;
  /** Part of `--quick` (CI). */
  core: boolean;
  run(ctx: ChaosContext): Promise<ScenarioOutcome>;
}

/**
 * The failures of a scenario's figures against their targets. A figure that never came (no value) always
 * fails; a late one fails unless `reportOnly`, when it is only marked MISSED in the tables.
 */
export function targetFailures(figures: readonly Figure[], reportOnly: boolean): string[] {
  return figures
    .filter((f) => f.targetMax !== undefined && (typeof f.value !== 'number' || (!reportOnly && f.value > f.targetMax)))
    .map((f) => `${f.label}: ${typeof f.value === 'number' ? `${f.value} ms` : 'never'} (target ≤ ${f.targetMax} ms)`);
}
