import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import pg from 'pg';
import { testKafkaBrokers } from '../kafka/test-brokers.ts';
import { TEST_PG_URL_ENV } from '../postgres/test-database.ts';
import { startTestStack, stopTestStack } from './test-stack.ts';

function canConnect(hostPort: string): Promise<boolean> {
  const [host = '', port = ''] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function ping(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<{ one: number }>('select 1 as one')).rows[0]?.one ?? 0;
  } finally {
    await client.end();
  }
}

describe('test stack (what the jest global setup runs)', () => {
  const runUrl = process.env[TEST_PG_URL_ENV];
  afterEach(() => {
    process.env[TEST_PG_URL_ENV] = runUrl;
  });

  it('was started for this run and published the PostgreSQL URL and the broker list', async () => {
    expect(runUrl).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(await ping(runUrl ?? '')).toBe(1);
    const brokers = testKafkaBrokers();
    expect(brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    await expect(canConnect(brokers[0] ?? '')).resolves.toBe(true);
  });

  it('starts one server however often it is called, and stops it on teardown', async () => {
    // In this worker the run's URL looks external; clear it to make the stack start its own server.
    delete process.env[TEST_PG_URL_ENV];
    await Promise.all([startTestStack(), startTestStack()]);
    const url = process.env[TEST_PG_URL_ENV] ?? '';
    expect(url).not.toBe(runUrl);
    await startTestStack();
    expect(process.env[TEST_PG_URL_ENV]).toBe(url);
    expect(await ping(url)).toBe(1);

    await stopTestStack();
    await stopTestStack();
    await expect(ping(url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('leaves an externally provided URL alone and starts nothing', async () => {
    await startTestStack();
    expect(process.env[TEST_PG_URL_ENV]).toBe(runUrl);
    await stopTestStack();
    expect(await ping(runUrl ?? '')).toBe(1);
  });
});
