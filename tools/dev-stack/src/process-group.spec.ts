import { afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ProcessGroup, type ChildSpec, type ProcessGroupOptions } from './process-group.ts';

// Tiny real children: Node itself running a one-line script.
const crashAtOnce = 'process.exit(1)';
const crashAfter150Ms = 'setTimeout(() => process.exit(1), 150)';
const runUntilSigterm = 'setInterval(() => {}, 1000)';
// Writes the marker file named by its argument once its handler is in place, so the test knows SIGTERM will be ignored.
const ignoreSigterm = "process.on('SIGTERM', () => {}); process.getBuiltinModule('node:fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1000)";

const node = (name: string, script: string, ...args: string[]): ChildSpec => ({ name, command: process.execPath, args: ['-e', script, ...args], env: process.env });

const groups: ProcessGroup[] = [];
function newGroup(options: ProcessGroupOptions): ProcessGroup {
  const group = new ProcessGroup({ printLogs: false, ...options });
  groups.push(group);
  return group;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

// Timers fire on the event loop's cached clock, which can lag performance.now() by a millisecond or two.
const clockSlackMs = 5;

afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.stopAll(500)));
});

describe('ProcessGroup', () => {
  it('restarts a crashing child with doubling delays up to the maximum, and child() is the new process', async () => {
    const lines: string[] = [];
    const group = newGroup({ restart: { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 10_000 }, log: (line) => lines.push(line) });
    let unexpectedExits = 0;
    group.onUnexpectedExit = () => unexpectedExits++;
    const exitedAt: number[] = [];
    const startedAt: number[] = [];
    const pids: Array<number | undefined> = [];
    const observe = (child: ChildProcess) => {
      pids.push(child.pid);
      child.once('exit', () => exitedAt.push(performance.now()));
    };
    group.onRestart = (_name, child, count) => {
      startedAt[count] = performance.now();
      observe(child);
    };

    observe(group.start(node('crasher', crashAtOnce)));
    await waitFor(() => group.restarts('crasher') >= 4, 'four restarts');
    await group.stopAll(500);

    expect(lines.slice(0, 4)).toEqual([
      'crasher exited unexpectedly (code 1); restarting in 50 ms (restart 1)',
      'crasher exited unexpectedly (code 1); restarting in 100 ms (restart 2)',
      'crasher exited unexpectedly (code 1); restarting in 200 ms (restart 3)',
      'crasher exited unexpectedly (code 1); restarting in 200 ms (restart 4)',
    ]);
    const gaps = [1, 2, 3, 4].map((n) => startedAt[n]! - exitedAt[n - 1]!);
    [50, 100, 200, 200].forEach((expected, i) => expect(gaps[i]).toBeGreaterThanOrEqual(expected - clockSlackMs));
    expect(new Set(pids).size).toBe(pids.length);
    expect(group.child('crasher')!.pid).toBe(pids.at(-1));
    expect(unexpectedExits).toBe(0);
  });

  it('starts the delay over after a child ran longer than stableAfterMs', async () => {
    const lines: string[] = [];
    const group = newGroup({ restart: { initialDelayMs: 50, maxDelayMs: 1_000, stableAfterMs: 100 }, log: (line) => lines.push(line) });

    group.start(node('flaky', crashAfter150Ms));
    await waitFor(() => lines.length >= 3, 'three crashes');

    expect(lines.slice(0, 3)).toEqual([
      'flaky exited unexpectedly (code 1); restarting in 50 ms (restart 1)',
      'flaky exited unexpectedly (code 1); restarting in 50 ms (restart 2)',
      'flaky exited unexpectedly (code 1); restarting in 50 ms (restart 3)',
    ]);
  });

  it('never starts a restart that was pending when stopAll began', async () => {
    const lines: string[] = [];
    const restartDelayMs = 300;
    const group = newGroup({ restart: { initialDelayMs: restartDelayMs }, log: (line) => lines.push(line) });
    let restarted = 0;
    group.onRestart = () => restarted++;
    const steady = group.start(node('steady', runUntilSigterm));
    const firstPid = group.start(node('crasher', crashAtOnce)).pid;

    await waitFor(() => lines.length === 1, 'the crash to be reported');
    await group.stopAll(500);
    // Asserting an absence: wait past the moment the restart would have happened.
    await delay(restartDelayMs + 100);

    expect(restarted).toBe(0);
    expect(group.restarts('crasher')).toBe(0);
    expect(group.child('crasher')!.pid).toBe(firstPid);
    expect(steady.signalCode).toBe('SIGTERM');
  });

  it('stops supervised children in reverse start order, SIGKILLing one that ignores SIGTERM, without restarting them', async () => {
    const marker = path.join(os.tmpdir(), `process-group-${randomUUID()}`);
    try {
      const group = newGroup({ restart: { initialDelayMs: 50 }, log: () => undefined });
      const exitOrder: string[] = [];
      const children = Object.fromEntries(
        [node('first', runUntilSigterm), node('stubborn', ignoreSigterm, marker), node('last', runUntilSigterm)].map((spec) => {
          const child = group.start(spec);
          child.once('exit', () => exitOrder.push(spec.name));
          return [spec.name, child];
        }),
      );
      await waitFor(() => existsSync(marker), 'the stubborn child to ignore SIGTERM');

      await group.stopAll(200);

      expect(exitOrder).toEqual(['last', 'stubborn', 'first']);
      expect(children.stubborn!.signalCode).toBe('SIGKILL');
      expect(children.first!.signalCode).toBe('SIGTERM');
      expect(['first', 'stubborn', 'last'].map((name) => group.restarts(name))).toEqual([0, 0, 0]);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('without a restart policy, reports a crash to onUnexpectedExit and leaves the child down', async () => {
    const group = newGroup({});
    const crashed = new Promise<unknown[]>((resolve) => {
      group.onUnexpectedExit = (...args) => resolve(args);
    });

    const child = group.start(node('crasher', 'process.exit(3)'));

    expect(await crashed).toEqual(['crasher', 3, null]);
    expect(group.child('crasher')).toBe(child);
    expect(group.restarts('crasher')).toBe(0);
  });
});
