import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { printPrefixed } from './log-lines.ts';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Kubernetes' CrashLoopBackOff in small: the delay doubles per consecutive crash and resets after a stable run. */
export interface RestartPolicy {
  /** Delay before the first restart (default 1 s). */
  initialDelayMs?: number;
  /** The doubling stops here (default 30 s). */
  maxDelayMs?: number;
  /** A child that ran at least this long before exiting counts as healthy: the delay starts over (default 60 s). */
  stableAfterMs?: number;
}

export interface ProcessGroupOptions {
  /** `false` discards the children's output (tests). */
  printLogs?: boolean;
  /** Restart children that exit while the group is not stopping; without it a crash only calls `onUnexpectedExit`. */
  restart?: RestartPolicy;
  /** Where the group reports a crash and its restart (main.ts prefixes it like its own lines). */
  log?: (line: string) => void;
  /** Every line the children write (stdout and stderr), with the child's name: tests that read the logs. */
  onOutput?: (name: string, line: string) => void;
}

/** The delay before restart number `consecutiveCrashes + 1` of a crash loop. */
function restartDelayMs(policy: Required<RestartPolicy>, consecutiveCrashes: number): number {
  return Math.min(policy.initialDelayMs * 2 ** consecutiveCrashes, policy.maxDelayMs);
}

interface Slot {
  spec: ChildSpec;
  child: ChildProcess;
  startedAt: number;
  restarts: number;
  /** Crashes since the last stable run: the exponent of the next delay. */
  crashLoop: number;
  pendingRestart?: NodeJS.Timeout;
}

/**
 * Child processes started in order and stopped in reverse, each with SIGTERM first and SIGKILL after a grace
 * period. With a restart policy it supervises them: a crashed child is started again in its place.
 */
export class ProcessGroup {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private readonly printLogs: boolean;
  private readonly restart: Required<RestartPolicy> | undefined;
  private readonly log: (line: string) => void;
  private readonly onOutput: ((name: string, line: string) => void) | undefined;

  constructor(options: ProcessGroupOptions = {}) {
    this.onOutput = options.onOutput;
    this.printLogs = options.printLogs ?? true;
    this.restart = options.restart && { initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000, ...options.restart };
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Called when a child exits while the group is not stopping (a crash), unless the group restarts it. */
  onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;

  /** Called when a crashed child has been started again; `count` is its restarts so far. */
  onRestart: (name: string, child: ChildProcess, count: number) => void = () => undefined;

  start(spec: ChildSpec): ChildProcess {
    const slot: Slot = { spec, child: this.spawn(spec), startedAt: performance.now(), restarts: 0, crashLoop: 0 };
    this.slots.push(slot);
    this.watch(slot);
    return slot.child;
  }

  /** Exit codes of the children that have exited, by name. */
  exitCodes(): Record<string, number | null> {
    return Object.fromEntries(this.slots.map(({ spec, child }) => [spec.name, child.exitCode]));
  }

  /** The current process of that name (the latest after restarts), for tests that signal one service. */
  child(name: string): ChildProcess | undefined {
    return this.slot(name)?.child;
  }

  /** How many times the child of that name has been restarted. */
  restarts(name: string): number {
    return this.slot(name)?.restarts ?? 0;
  }

  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    // A child waiting for its restart would otherwise come back after its dependents were stopped.
    for (const slot of this.slots) clearTimeout(slot.pendingRestart);
    // Slots keep their first start's position, so a restarted child still stops before what it depends on.
    for (const { child } of [...this.slots].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  private slot(name: string): Slot | undefined {
    return this.slots.find((s) => s.spec.name === name);
  }

  private spawn(spec: ChildSpec): ChildProcess {
    // Own process group: a terminal's Ctrl-C reaches only main.ts, which stops the children in order.
    const output = this.printLogs || this.onOutput ? 'pipe' : 'ignore';
    const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['ignore', output, output], detached: true });
    if (this.printLogs) {
      printPrefixed(spec.name, child.stdout!);
      printPrefixed(spec.name, child.stderr!, process.stderr);
    }
    const onOutput = this.onOutput;
    if (onOutput) {
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onOutput(spec.name, line));
      }
    }
    return child;
  }

  private watch(slot: Slot): void {
    slot.child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (this.restart) this.scheduleRestart(slot, this.restart, signal ?? `code ${code}`);
      else this.onUnexpectedExit(slot.spec.name, code, signal);
    });
  }

  private scheduleRestart(slot: Slot, policy: Required<RestartPolicy>, cause: string): void {
    if (performance.now() - slot.startedAt >= policy.stableAfterMs) slot.crashLoop = 0;
    const delay = restartDelayMs(policy, slot.crashLoop);
    slot.crashLoop += 1;
    const count = slot.restarts + 1;
    this.log(`${slot.spec.name} exited unexpectedly (${cause}); restarting in ${formatDelay(delay)} (restart ${count})`);
    slot.pendingRestart = setTimeout(() => {
      slot.pendingRestart = undefined;
      if (this.stopping) return;
      slot.child = this.spawn(slot.spec);
      slot.startedAt = performance.now();
      slot.restarts = count;
      this.watch(slot);
      this.onRestart(slot.spec.name, slot.child, count);
    }, delay);
  }
}

function formatDelay(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${ms / 1_000} s`;
}
