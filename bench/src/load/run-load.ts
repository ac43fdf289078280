import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProcessMonitor, Usage } from '../proc-stats.ts';
import { speedIndex, type Speed } from '../speed.ts';
import type { LoadConfig, LoadResult } from './load-types.ts';

const child = fileURLToPath(new URL('./autocannon-child.ts', import.meta.url));

/**
 * Runs the load generator in its own process and measures every process of the system over exactly the
 * measured part of its run (the warmup excluded).
 */
export async function runLoad(config: LoadConfig, monitor: ProcessMonitor): Promise<{ result: LoadResult; usage: Usage; speed: Speed }> {
  const before = speedIndex();
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', child, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  monitor.name(proc.pid, 'load-generator');
  const exited = once(proc, 'exit');
  let window: ReturnType<ProcessMonitor['window']> | undefined;
  let outcome: { result: LoadResult; usage: Usage } | undefined;
  for await (const line of createInterface({ input: proc.stdout })) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line) as { phase: 'measuring' } | { phase: 'done'; result: LoadResult };
    if (message.phase === 'measuring') window = monitor.window();
    else outcome = { result: message.result, usage: window!.stop() };
  }
  const [code] = await exited;
  if (!outcome) throw new Error(`the load generator exited (code ${code}) without a result`);
  return { ...outcome, speed: { before, after: speedIndex() } };
}
