import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { sql } from 'kysely';
import { HrvSampleRecordedSchema } from '@omtobe/proto/integrations/v1';
import { connectWhoop, knownUser, rawConnection } from '../../test/flows.ts';
import { logger, startHarness, type Harness } from '../../test/harness.ts';
import { createTokenCipher, parseKeyring, tokenContext } from '../domain/token-cipher.ts';
import { syncWhoopRecoveries } from '../providers/whoop/whoop-sync.ts';
import { purgeExpired, reencryptTokens } from './maintenance.ts';
import { startWorker } from './worker.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const hour = 3_600_000;
const day = 24 * hour;

describe('background work', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    // Users as UserRegistered leaves them: integrations refuses uploads, connects and devices of anyone else.
    await knownUser(h, 'old-user');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs the first sync as soon as a connection wakes the worker, not at its next tick', async () => {
    h.whoop.addRecovery('401', { sleepId: 'sleep-w', createdAt: new Date(now0.getTime() - day), scoreState: 'SCORED', rmssd: 44 });
    const worker = startWorker(h.deps, { intervalMs: 3_600_000, maintenanceEvery: 1_000, logger });
    try {
      h.onWake = () => worker.wake();
      await connectWhoop(h, 'worker-user', '401');
      await h.published(HrvSampleRecordedSchema, (m) => m.sampleId === 'sleep-w', 1);
    } finally {
      h.onWake = () => {};
      await worker.stop();
    }
    const row = await rawConnection(h, 'worker-user', 'whoop');
    expect(row!.sync_due_at).toEqual(new Date(now0.getTime() + hour)); // the next catch-up, an interval later
  });

  it('purges samples past retention and events long over, and keeps the rest', async () => {
    const purgeAt = new Date(now0.getTime() + 12 * hour);
    const before = (ms: number) => new Date(purgeAt.getTime() - ms);
    const ends = [before(8 * day + 60_000), before(8 * day - hour)]; // retention is 8 days
    await h.client.uploadHrvSamples({
      userId: 'old-user',
      samples: ends.map((end, i) => ({ uuid: `5a2504e0-4f89-41d3-9a0c-0305e82c330${i}`, start: timestampFromDate(end), end: timestampFromDate(end), value: 50, unit: 'ms', sourceDevice: '' })),
    });
    await sql`insert into calendar_events values
      ('old-user', 'google', 'ended-long-ago', 'Board', ${before(26 * hour)}, ${before(25 * hour)}, ${now0}),
      ('old-user', 'google', 'ended-recently', 'Board', ${before(24 * hour)}, ${before(23 * hour)}, ${now0})`.execute(h.deps.db);
    h.clock.set(purgeAt);
    const purged = await purgeExpired(h.deps);
    expect(purged).toMatchObject({ hrv_samples: 1, calendar_events: 1 });
    const left = await h.client.exportUserData({ userId: 'old-user' });
    expect(left.hrvSamples.map((s) => s.sampleId)).toEqual(['5A2504E0-4F89-41D3-9A0C-0305E82C3301']);
    expect(left.events.map((e) => e.eventId)).toEqual(['ended-recently']); // event retention is 24 hours
    h.clock.set(now0);
  });

  it('re-encrypts tokens under a rotated key, after which the old key can be dropped', async () => {
    const newKey = `next:${randomBytes(32).toString('base64')}`;
    const rotated = { ...h.deps, cipher: createTokenCipher(parseKeyring(`${newKey},${h.tokenKeys}`)) };
    expect(await reencryptTokens(rotated)).toBe(1);
    expect(await reencryptTokens(rotated)).toBe(0);
    const row = (await rawConnection(h, 'worker-user', 'whoop'))!;
    expect(row.key_id).toBe('next');
    const onlyNew = { ...h.deps, cipher: createTokenCipher(parseKeyring(newKey)) };
    expect(onlyNew.cipher.decrypt(row.refresh_token, tokenContext('worker-user', 'whoop', 'refresh'))).toBe(h.whoop.liveRefreshTokens()[0]);
    expect(() => h.deps.cipher.decrypt(row.refresh_token, tokenContext('worker-user', 'whoop', 'refresh'))).toThrow();
    // The service keeps working with only the new key: it reads the grant and calls WHOOP with it.
    await expect(syncWhoopRecoveries(onlyNew, 'worker-user', new Date(now0.getTime() - day))).resolves.toMatchObject({ pages: 1 });
  });
});
