import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startDevBroker } from '@omtobe/dev-broker';
import { topicNamesToCreate } from '@omtobe/events';

export interface Infrastructure {
  databaseUrl: string;
  kafkaBrokers: string;
  stop(): Promise<void>;
}

const DATABASE = 'omtobe';

/**
 * PostgreSQL and Kafka for `npm start`: the servers named by DATABASE_URL / KAFKA_BROKERS when set,
 * otherwise an embedded PostgreSQL keeping its data under `.data/postgres` and the development broker
 * with every topic of the system. Both run in process groups of their own (see postgres-server.ts).
 */
export async function startInfrastructure(root: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (databaseUrl) {
      log('using the PostgreSQL at DATABASE_URL');
    } else {
      const port = Number(env.OMTOBE_PG_PORT ?? 5433);
      const postgres = await startPostgresProcess(path.join(root, '.data', 'postgres'), port);
      stops.push(postgres.stop);
      databaseUrl = postgres.url;
      log(`embedded PostgreSQL on port ${port} (data in .data/postgres)`);
    }
    let kafkaBrokers = env.KAFKA_BROKERS;
    if (kafkaBrokers) {
      log('using the Kafka brokers at KAFKA_BROKERS');
    } else {
      const broker = await startDevBroker({
        topics: topicNamesToCreate(env.KAFKA_TOPIC_PREFIX ?? ''),
        port: Number(env.OMTOBE_KAFKA_PORT ?? 9092),
        detached: true,
      });
      stops.push(broker.stop);
      kafkaBrokers = broker.bootstrap;
      log(`development Kafka broker at ${broker.bootstrap}`);
    }
    return { databaseUrl, kafkaBrokers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startPostgresProcess(dataDir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./postgres-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script, dataDir, String(port), DATABASE], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
    });
    void exited.then(([code]) => reject(new Error(`embedded PostgreSQL exited with code ${code} before it was ready`)));
  });
  const url = await ready;
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end();
      await exited;
    },
  };
}
