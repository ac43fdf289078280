import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { printPrefixed } from './log-lines.ts';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Child processes started in order and stopped in reverse, each with SIGTERM first and SIGKILL after a grace period. */
export class ProcessGroup {
  private readonly children: Array<{ spec: ChildSpec; child: ChildProcess }> = [];
  private stopping = false;
  private readonly printLogs: boolean;

  /** `printLogs: false` discards the children's output (tests). */
  constructor(options: { printLogs?: boolean } = {}) {
    this.printLogs = options.printLogs ?? true;
  }

  /** Called when a child exits while the group is not stopping (a crash). */
  onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;

  start(spec: ChildSpec): ChildProcess {
    // Own process group: a terminal's Ctrl-C reaches only main.ts, which stops the children in order.
    const output = this.printLogs ? 'pipe' : 'ignore';
    const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['ignore', output, output], detached: true });
    if (this.printLogs) {
      printPrefixed(spec.name, child.stdout!);
      printPrefixed(spec.name, child.stderr!, process.stderr);
    }
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.onUnexpectedExit(spec.name, code, signal);
    });
    this.children.push({ spec, child });
    return child;
  }

  /** Exit codes of the children that have exited, by name. */
  exitCodes(): Record<string, number | null> {
    return Object.fromEntries(this.children.map(({ spec, child }) => [spec.name, child.exitCode]));
  }

  /** The running child of that name, for tests that signal one service. */
  child(name: string): ChildProcess | undefined {
    return this.children.find((c) => c.spec.name === name)?.child;
  }

  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }
}
