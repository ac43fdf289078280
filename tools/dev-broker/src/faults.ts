import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Fault injection on the running mock cluster. Broker ids are the mock's, from 1 to `brokers`. */
export interface DevBrokerFaults {
  /** Closes the broker's connections and refuses new ones; its partitions keep their data and leader. */
  brokerDown(id?: number): Promise<void>;
  /** Lets the broker accept connections again. */
  brokerUp(id?: number): Promise<void>;
  /** Delays every response of the broker by `ms` (0 removes the delay). */
  setRtt(id: number, ms: number): Promise<void>;
  /**
   * Makes the cluster's next requests of `apiKey` (0 Produce, 1 Fetch, 3 Metadata, 10 FindCoordinator, ...) fail,
   * one per request and in order, with these Kafka error codes (6 NOT_LEADER_FOR_PARTITION, 15 COORDINATOR_NOT_AVAILABLE, ...).
   */
  pushRequestErrors(apiKey: number, errors: readonly number[]): Promise<void>;
  /** Sends one raw launcher command line, e.g. `rtt 2 100` (see the README). */
  send(command: string): Promise<void>;
}

type Launcher = ChildProcessByStdio<Writable, Readable, Readable>;

interface Pending {
  command: string;
  settle(error?: Error): void;
}

// Commands take a lap through the mock's thread and nothing more; a silent launcher is a stuck one.
const commandTimeoutMs = 5_000;

/**
 * Talks to the launcher after it printed BOOTSTRAP: one command line in, one `OK`/`ERR` line out, answered in
 * order, so the oldest pending command owns the next answer.
 */
export function connectFaults(child: Launcher): DevBrokerFaults {
  const pending: Pending[] = [];
  let gone: string | undefined;

  readLines(child.stdout, (line) => {
    // A command that timed out keeps its slot until its late answer arrives, so later answers stay matched.
    const head = pending.shift();
    if (!head) return; // nothing was asked: not an answer
    if (line.startsWith('OK ')) head.settle();
    else head.settle(new Error(`dev-broker: ${head.command}: ${line.replace(/^ERR /, '')}`));
  });
  // 'close' comes after stdout is drained, so answers written just before the exit still count.
  child.once('close', (code: number | null, signal: string | null) => {
    gone = `the launcher exited (code ${code}, signal ${signal})`;
    for (const entry of pending.splice(0)) entry.settle(new Error(`dev-broker: ${entry.command}: ${gone}`));
  });

  function send(command: string): Promise<void> {
    if (!command.trim() || /[\r\n]/.test(command)) {
      return Promise.reject(new Error(`dev-broker: a command is one non-blank line, got ${JSON.stringify(command)}`));
    }
    if (gone !== undefined) return Promise.reject(new Error(`dev-broker: ${command}: ${gone}`));
    return new Promise((resolve, reject) => {
      let done = false;
      const settle = (error?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new Error(`dev-broker: ${command}: no answer after ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
      pending.push({ command, settle });
      child.stdin.write(`${command}\n`);
    });
  }

  return {
    brokerDown: (id = 1) => send(`down ${id}`),
    brokerUp: (id = 1) => send(`up ${id}`),
    setRtt: (id, ms) => send(`rtt ${id} ${ms}`),
    pushRequestErrors: (apiKey, errors) => send(['errors', apiKey, ...errors].join(' ')),
    send,
  };
}

function readLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}
