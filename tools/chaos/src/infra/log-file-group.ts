import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ProcessGroup, type ChildSpec, type ProcessGroupOptions } from '@omtobe/dev-stack';

/**
 * A ProcessGroup whose children write their output to `<logDir>/<name>.log` (appended across restarts)
 * instead of the terminal: a chaos run is long and noisy, and its failures are read afterwards. The shell
 * `exec`s the service, so the group's pid is the service's and a SIGKILL reaches it directly.
 */
export class LogFileProcessGroup extends ProcessGroup {
  private static readonly live = new Set<LogFileProcessGroup>();
  private readonly logDir: string;
  private readonly names = new Set<string>();

  /**
   * SIGKILLs every child of every group at once. For the suite's own exit when it could not stop them in order:
   * the children run detached (their own process groups) and would otherwise outlive it.
   */
  static killEverything(): void {
    for (const group of LogFileProcessGroup.live) {
      for (const name of group.names) {
        const child = group.child(name);
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  }

  constructor(logDir: string, options: Omit<ProcessGroupOptions, 'printLogs'>) {
    super({ ...options, printLogs: false });
    this.logDir = logDir;
    LogFileProcessGroup.live.add(this);
  }

  override async stopAll(graceMs?: number): Promise<void> {
    await super.stopAll(graceMs);
    LogFileProcessGroup.live.delete(this);
  }

  override start(spec: ChildSpec): ChildProcess {
    this.names.add(spec.name);
    return super.start({
      ...spec,
      command: '/bin/sh',
      args: ['-c', 'exec "$@" >>"$CHAOS_LOG_FILE" 2>&1', 'sh', spec.command, ...spec.args],
      env: { ...spec.env, CHAOS_LOG_FILE: path.join(this.logDir, `${spec.name}.log`) },
    });
  }
}
