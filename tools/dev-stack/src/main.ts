// `npm start`: PostgreSQL, the Kafka broker and the four services on this machine, with readable logs.
// A service that exits is started again after a growing delay, as Kubernetes would; Ctrl-C stops everything
// in reverse order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHealth } from './health.ts';
import { startInfrastructure } from './infrastructure.ts';
import { ProcessGroup } from './process-group.ts';
import { services } from './services.ts';
import { startServices } from './stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const say = (line: string) => process.stdout.write(`\x1b[1momtobe\x1b[0m        | ${line}\n`);
const stopping = new AbortController();
const group = new ProcessGroup({ restart: {}, log: say });

const infrastructure = await startInfrastructure(root, process.env, say);

let shuttingDown: Promise<void> | undefined;
const shutdown = (code: number) =>
  (shuttingDown ??= (async () => {
    stopping.abort();
    say('stopping…');
    await group.stopAll();
    await infrastructure.stop();
    say('stopped');
    process.exit(code);
  })());
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const env = {
  ...process.env,
  OMTOBE_MODE: process.env.OMTOBE_MODE ?? 'development',
  DATABASE_URL: infrastructure.databaseUrl,
  KAFKA_BROKERS: infrastructure.kafkaBrokers,
  // The development broker holds every empty fetch for this long: keep event delivery snappy.
  KAFKA_MAX_WAIT_MS: process.env.KAFKA_MAX_WAIT_MS ?? '100',
  KAFKA_SESSION_TIMEOUT_MS: process.env.KAFKA_SESSION_TIMEOUT_MS ?? '6000',
};

try {
  await startServices({ root, group, env, stopping: stopping.signal });
} catch (error) {
  say(`start failed: ${(error as Error).message}`);
  await shutdown(1);
}

const gateway = services.find((s) => s.name === 'gateway')!;
const statuses = await Promise.all(services.map(async (s) => `${s.name}=${await checkHealth(s.port)}`));
say(`all services up: ${statuses.join(' ')}`);
say(`gateway: http://localhost:${gateway.port}`);
say(`try:     curl -s http://localhost:${gateway.port}/api/v1/health`);
say('Ctrl-C stops everything.');
