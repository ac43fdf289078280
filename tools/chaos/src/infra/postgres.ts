import { createWriteStream } from 'node:fs';
import pg from 'pg';
import { findFreePort, startEmbeddedPostgres, type RunningPostgres } from '@omtobe/testing';

/**
 * The run's own PostgreSQL, which a scenario can stop and start again: same data directory, same port, so
 * the services' DATABASE_URL stays right across the restart (the way a database pod comes back behind its
 * Service address).
 */
export interface RestartablePostgres {
  port: number;
  urlFor(database: string): string;
  /** Creates the database when it does not exist yet. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  /** Starts it again on the same directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
}

export async function startRestartablePostgres(dataDir: string, logFile: string): Promise<RestartablePostgres> {
  const port = await findFreePort();
  const log = createWriteStream(logFile, { flags: 'a' });
  const options = {
    dataDir,
    port,
    persistent: true,
    // Stopped only cleanly (fast shutdown writes a checkpoint), so fsync buys nothing here and costs a lot.
    durable: false,
    onLog: (line: string) => log.write(`${new Date().toISOString()} ${line}\n`),
  };
  let server: RunningPostgres | undefined = await startEmbeddedPostgres(options);
  const running = () => {
    if (!server) throw new Error('PostgreSQL is stopped');
    return server;
  };
  return {
    port,
    urlFor: (database) => running().urlFor(database),
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: running().adminUrl });
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`create database "${name}"`);
      } finally {
        await client.end();
      }
      return running().urlFor(name);
    },
    async stop() {
      const current = server;
      server = undefined;
      await current?.stop();
    },
    async start() {
      if (server) return;
      server = await startEmbeddedPostgres(options);
    },
  };
}

