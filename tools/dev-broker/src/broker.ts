import { spawn, type ChildProcess } from 'node:child_process';
import { buildLauncher } from './build.ts';
import { connectFaults, type DevBrokerFaults } from './faults.ts';

export interface DevBrokerTopic {
  name: string;
  partitions: number;
}

export interface DevBrokerOptions {
  /** Created before the broker reports ready. Unknown topics are also auto-created on first use, with 4 partitions. */
  topics: ReadonlyArray<DevBrokerTopic>;
  /** Port of the first broker; further brokers take the following ports. Random free ports when omitted. */
  port?: number;
  /** Number of brokers in the mock cluster (default 1); partition leaders are spread across them. */
  brokers?: number;
  /** How long to wait for the launcher to report ready (default 10 s). */
  startTimeoutMs?: number;
  /**
   * Run the launcher in its own process group, so a terminal's Ctrl-C reaches only the parent, which then
   * stops the broker after the services that use it (`npm start`). It still exits when the parent dies (stdin EOF).
   */
  detached?: boolean;
}

export interface DevBroker {
  /** Comma-separated host:port list, as kafkajs' `brokers` joined or a Kafka `bootstrap.servers`. */
  bootstrap: string;
  brokers: string[];
  /** Takes brokers down and up, slows them, makes requests fail; each call resolves once the mock applied it. */
  faults: DevBrokerFaults;
  stop(): Promise<void>;
}

const stopGraceMs = 5_000;
const stderrTailChars = 4_000;

function launcherArgs(options: DevBrokerOptions): string[] {
  const args: string[] = [];
  if (options.brokers !== undefined) args.push('--brokers', String(options.brokers));
  if (options.port !== undefined) args.push('--port', String(options.port));
  const seen = new Set<string>();
  for (const { name, partitions } of options.topics) {
    // The launcher would refuse these too, but only after compiling and spawning.
    if (!name || seen.has(name) || !Number.isInteger(partitions) || partitions < 1) {
      throw new Error(`dev-broker: invalid or duplicate topic ${JSON.stringify({ name, partitions })}`);
    }
    seen.add(name);
    args.push(`${name}:${partitions}`);
  }
  return args;
}

/**
 * Starts librdkafka's mock Kafka cluster in a child process. Its stdin carries the fault commands and its EOF, so
 * the child also goes away when this process dies without calling stop().
 */
export async function startDevBroker(options: DevBrokerOptions): Promise<DevBroker> {
  const args = launcherArgs(options);
  const child = spawn(await buildLauncher(), args, { stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTailChars);
  });
  // If the child is already gone, writing or ending stdin reports EPIPE, which is no news: 'close' says it.
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let bootstrap: string;
  try {
    bootstrap = await readBootstrap(child, () => stderr, options.startTimeoutMs ?? 10_000);
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    throw error;
  }
  const faults = connectFaults(child);

  // A forgotten stop() must not keep the parent alive; the child follows it out through stdin EOF.
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) {
    (handle as { unref?: () => void }).unref?.();
  }

  let stopping: Promise<void> | undefined;
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    faults,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

function readBootstrap(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (reason: string) => {
      cleanup();
      const detail = stderr().trim();
      reject(new Error(`dev-broker: ${reason}${detail ? `\n${detail}` : ''}`));
    };
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^BOOTSTRAP (\S+)\n/m.exec(stdout);
      if (match?.[1]) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`launcher exited before it was ready (code ${code}, signal ${signal})`);
    const onError = (error: Error) => fail(`cannot run the launcher: ${error.message}`);
    const timer = setTimeout(() => fail(`launcher not ready after ${timeoutMs} ms`), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onExit);
      child.off('error', onError);
    }
    child.stdout?.on('data', onData);
    // 'close' rather than 'exit': it comes after stderr is drained, so the launcher's reason is included.
    child.once('close', onExit);
    child.once('error', onError);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
