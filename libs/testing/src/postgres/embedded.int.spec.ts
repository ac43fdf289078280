import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { queryRows } from '../../test/query.ts';
import { startEmbeddedPostgres } from './embedded.ts';

describe('startEmbeddedPostgres', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'omtobe-embedded-spec-'));
    // mkdtemp makes it 0700; postgres runs as its own OS user (we are root) and must reach the child dir.
    await chmod(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps a persistent data directory across restarts and refuses a second server on it', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const first = await startEmbeddedPostgres({ dataDir, persistent: true });
    try {
      await queryRows(first.adminUrl, 'create table kept (v text); insert into kept values ($$still here$$)');
      await expect(startEmbeddedPostgres({ dataDir, persistent: true })).rejects.toThrow(/already running/);
    } finally {
      await first.stop();
    }
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir, persistent: true });
    try {
      expect(await queryRows(second.adminUrl, 'select v from kept')).toEqual([{ v: 'still here' }]);
      // Persistent clusters stay crash-safe; throwaway ones trade that for speed.
      expect(await queryRows(second.adminUrl, 'show fsync')).toEqual([{ fsync: 'on' }]);
    } finally {
      await second.stop();
    }
  });

  it('deletes a throwaway data directory on stop, and stop is idempotent', async () => {
    const dataDir = path.join(await tempDir(), 'postgres');
    const server = await startEmbeddedPostgres({ dataDir });
    expect(await queryRows(server.urlFor('template1'), 'select current_database() as db')).toEqual([{ db: 'template1' }]);
    expect(await queryRows(server.adminUrl, 'show fsync')).toEqual([{ fsync: 'off' }]);
    await Promise.all([server.stop(), server.stop()]);
    expect(existsSync(dataDir)).toBe(false);
    await expect(queryRows(server.adminUrl, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
  });
});
