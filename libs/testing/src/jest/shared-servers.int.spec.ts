import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { queryRows } from '../../test/query.ts';
import { testKafkaBrokers } from '../kafka/test-brokers.ts';
import { TEST_PG_URL_ENV } from '../postgres/test-database.ts';
import { startSharedServers, stopSharedServers } from './shared-servers.ts';

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
  return (await queryRows<{ one: number }>(url, 'select 1 as one'))[0]?.one ?? 0;
}

describe('shared servers (what the jest global setup starts)', () => {
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
    // In this worker the run's URL looks external; clear it to make it start its own server.
    delete process.env[TEST_PG_URL_ENV];
    await Promise.all([startSharedServers(), startSharedServers()]);
    const url = process.env[TEST_PG_URL_ENV] ?? '';
    expect(url).not.toBe(runUrl);
    await startSharedServers();
    expect(process.env[TEST_PG_URL_ENV]).toBe(url);
    expect(await ping(url)).toBe(1);

    await stopSharedServers();
    await stopSharedServers();
    await expect(ping(url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('leaves an externally provided URL alone and starts nothing', async () => {
    await startSharedServers();
    expect(process.env[TEST_PG_URL_ENV]).toBe(runUrl);
    await stopSharedServers();
    expect(await ping(runUrl ?? '')).toBe(1);
  });
});
