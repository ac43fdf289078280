import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import pino from 'pino';
import { HrvSampleRecordedSchema, SampleOutcome } from '@omtobe/proto/integrations/v1';
import { connectWhoop, knownUser, whoopDelivery } from '../../../test/flows.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import type { SampleRow } from '../../store/samples.repo.ts';
import { storeNewSamples } from './hrv-samples.ts';

// Samples from the future (issue 14, item 5): one tolerance (CLOCK_SKEW_TOLERANCE_SECONDS, 60 s by default,
// the state engine's too) for every source; a sample measured later than now + tolerance is never stored.
const now0 = new Date('2026-06-10T12:00:00Z');
const second = 1000;
const at = (ms: number) => new Date(now0.getTime() + ms);

describe('samples measured beyond the clock-skew tolerance', () => {
  let h: Harness;
  const warnings: Array<Record<string, unknown>> = [];
  const publishedIds = (userId: string) =>
    h
      .allPublished()
      .filter((e) => e.key === userId && e.eventType === HrvSampleRecordedSchema.typeName)
      .map((e) => (e.message as { sampleId?: string }).sampleId)
      .sort();
  const storedIds = async (userId: string) => (await h.client.exportUserData({ userId })).hrvSamples.map((s) => s.sampleId).sort();

  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    // Users as UserRegistered leaves them: integrations refuses uploads, connects and devices of anyone else.
    await knownUser(h, 'hk-ahead');
    const sink = new Writable({ write: (chunk, _encoding, done) => void (warnings.push(JSON.parse(String(chunk))), done()) });
    h.deps.logger = pino({ level: 'warn' }, sink);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('HealthKit: answers in_future for a sample ending more than 60 s ahead, and stores and publishes only the others', async () => {
    const uuid = (n: number) => `0b2504e0-4f89-41d3-9a0c-0305e82c33${String(n).padStart(2, '0')}`;
    const ending = (n: number, end: Date) => ({ uuid: uuid(n), start: timestampFromDate(new Date(end.getTime() - 60 * second)), end: timestampFromDate(end), value: 45, unit: 'ms' });
    const reply = await h.client.uploadHrvSamples({
      userId: 'hk-ahead',
      samples: [ending(1, at(60 * second)), ending(2, at(61 * second)), ending(3, at(300 * second)), ending(4, now0)],
    });
    expect(reply.results.map((r) => [SampleOutcome[r.outcome], r.reason])).toEqual([
      ['ACCEPTED', ''],
      ['REJECTED', 'in_future'],
      ['REJECTED', 'in_future'],
      ['ACCEPTED', ''],
    ]);
    expect(await storedIds('hk-ahead')).toEqual([uuid(1), uuid(4)].map((u) => u.toUpperCase()));
    await h.settled('hk-ahead');
    expect(publishedIds('hk-ahead')).toEqual([uuid(1), uuid(4)].map((u) => u.toUpperCase()));
  });

  it('WHOOP: a sync skips (and logs) a recovery from the future; the next sync after it is no longer ahead stores it', async () => {
    h.whoop.addRecovery('501', { sleepId: 'sleep-past', createdAt: at(-3_600 * second), scoreState: 'SCORED', rmssd: 50 });
    h.whoop.addRecovery('501', { sleepId: 'sleep-edge', createdAt: at(60 * second), scoreState: 'SCORED', rmssd: 51 });
    h.whoop.addRecovery('501', { sleepId: 'sleep-ahead', createdAt: at(120 * second), scoreState: 'SCORED', rmssd: 52 });
    await connectWhoop(h, 'w-ahead', '501');
    warnings.length = 0;
    expect(await h.runSyncs()).toBe(1);
    expect(await storedIds('w-ahead')).toEqual(['sleep-edge', 'sleep-past']);
    expect(warnings).toEqual([expect.objectContaining({ user_ids: ['w-ahead'], source: 'whoop', skipped: 1, furthest_ahead_s: 120 })]);
    await h.settled('w-ahead');
    expect(publishedIds('w-ahead')).toEqual(['sleep-edge', 'sleep-past']);

    // A minute later the recovery is within the tolerance: WHOOP's webhook (or the catch-up sync) brings it in.
    h.clock.advance(60 * second);
    expect((await h.client.handleWhoopWebhook(whoopDelivery(h, { user_id: 501, id: 'sleep-ahead', type: 'recovery.updated' }))).applied).toBe(true);
    expect(await h.runSyncs()).toBe(1);
    const late = await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'w-ahead' && m.sampleId === 'sleep-ahead', 1);
    expect(timestampDate(late[0]!.message.measuredAt!)).toEqual(at(120 * second));
  });

  it('mock and any other source: the shared ingestion step never stores a sample from the future', async () => {
    const now = h.clock.now();
    const row = (id: string, measuredAt: Date): SampleRow => ({ user_id: 'mock-ahead', source: 'mock', sample_id: id, metric: 'sdnn', value_ms: 40, measured_at: measuredAt, received_at: now });
    warnings.length = 0;
    const fresh = await h.deps.db
      .transaction()
      .execute((trx) => storeNewSamples(trx, [row('m-now', now), row('m-ahead', new Date(now.getTime() + 61 * second))], { now, clockSkewToleranceMs: 60 * second, logger: h.deps.logger }));
    expect([...fresh]).toEqual(['m-now']);
    expect(await storedIds('mock-ahead')).toEqual(['m-now']);
    expect(warnings).toEqual([expect.objectContaining({ user_ids: ['mock-ahead'], source: 'mock', skipped: 1, furthest_ahead_s: 61 })]);
  });
});
