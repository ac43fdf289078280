// The embedded PostgreSQL of `npm start`, in a process of its own that main.ts starts in a separate process
// group: a terminal's Ctrl-C then reaches only main.ts, which stops the services first and this last
// (SIGTERM, or the end of stdin when main.ts dies). Prints `READY <url>` once the database exists.
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@omtobe/testing';

const [dataDir, port, database] = process.argv.slice(2) as [string, string, string];
const server = await startEmbeddedPostgres({ dataDir: path.resolve(dataDir), port: Number(port), persistent: true });

const client = new pg.Client({ connectionString: server.adminUrl });
await client.connect();
const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
if (exists.rowCount === 0) await client.query(`create database "${database}"`);
await client.end();

process.stdout.write(`READY ${server.urlFor(database)}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
