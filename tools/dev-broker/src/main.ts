// Manual use: node tools/dev-broker/src/main.ts [--port 9092] [--brokers 3] hrv.v1:6 other.v1:3
// Prints the bootstrap address and serves until Ctrl-C / SIGTERM. Lines typed on stdin go to the launcher as
// fault commands (`down 1`, `up 1`, `rtt 1 500`, `errors 0 6`).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startDevBroker, type DevBrokerTopic } from './broker.ts';

function parseTopic(spec: string): DevBrokerTopic {
  const colon = spec.lastIndexOf(':');
  const partitions = colon > 0 ? Number(spec.slice(colon + 1)) : NaN;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`topic must be name:partitions, got '${spec}'`);
  return { name: spec.slice(0, colon), partitions };
}

function optionalCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, brokers: { type: 'string' } },
  });
  const broker = await startDevBroker({
    topics: positionals.map(parseTopic),
    port: optionalCount(values.port, 'port'),
    brokers: optionalCount(values.brokers, 'brokers'),
  });
  console.log(broker.bootstrap);
  console.error('dev-broker: serving; type fault commands (down 1, up 1, rtt 1 500, errors 0 6), Ctrl-C to stop');
  // terminal: false leaves Ctrl-C to the terminal, which turns it into the SIGINT handled below.
  createInterface({ input: process.stdin, terminal: false }).on('line', (line) => {
    if (!line.trim()) return;
    broker.faults.send(line.trim()).then(
      () => console.log(`OK ${line.trim()}`),
      (error: unknown) => console.error(error instanceof Error ? error.message : error),
    );
  });

  const stop = () => {
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The broker handles are unref'd; this interval is what keeps the CLI running.
  setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
