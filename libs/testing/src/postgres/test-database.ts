import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Superuser URL of the run's PostgreSQL, set by the jest global setup (or by hand for an external server). */
export const TEST_PG_URL_ENV = 'OMTOBE_TEST_PG_URL';

export interface TestDatabase {
  /** Database name, unique per call. */
  name: string;
  url: string;
  /** Drops the database, disconnecting anything still connected; safe to call more than once. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the run's server, typically one per test file (`beforeAll`/`afterAll`), so
 * test files running in parallel workers never see each other's rows or schemas.
 */
export async function createTestDatabase(name = 'test'): Promise<TestDatabase> {
  const adminUrl = testPostgresUrl();
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'test';
  const database = `${slug}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${client.escapeIdentifier(database)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  let dropping: Promise<void> | undefined;
  return {
    name: database,
    url: url.toString(),
    drop: () =>
      (dropping ??= withAdmin(adminUrl, async (client) => {
        await client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`);
      })),
  };
}

export function testPostgresUrl(): string {
  const url = process.env[TEST_PG_URL_ENV];
  if (!url) {
    throw new Error(`${TEST_PG_URL_ENV} is not set: run tests through jest with the shared preset (its global setup starts PostgreSQL)`);
  }
  return url;
}

async function withAdmin(adminUrl: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'omtobe-test-admin' });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
