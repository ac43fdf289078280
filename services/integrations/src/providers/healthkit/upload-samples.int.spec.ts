import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { HrvMetric, HrvSampleRecordedSchema, HrvSource, SampleOutcome } from '@omtobe/proto/integrations/v1';
import { createDatabase } from '@omtobe/db';
import { eventually } from '@omtobe/testing';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { knownUser, outboxIsEmpty } from '../../../test/flows.ts';
import { schema, type Database } from '../../store/database.ts';
import { uploadSamples } from './upload-samples.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const ago = (m: number) => timestampFromDate(new Date(now0.getTime() - m * minute));
const uuid = (n: number) => `3f2504e0-4f89-41d3-9a0c-0305e82c33${String(n).padStart(2, '0')}`;
const sample = (n: number, over: Record<string, unknown> = {}) => ({ uuid: uuid(n), start: ago(n + 2), end: ago(n + 1), value: 40 + n, unit: 'ms', sourceDevice: 'Apple Watch', ...over });

describe('HealthKit upload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false' } });
    // Users as UserRegistered leaves them: integrations refuses uploads, connects and devices of anyone else.
    for (const userId of ['hk-user', 'hk-batch', 'cap-user']) await knownUser(h, userId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers every sample of a mixed batch in order, stores each good one once and publishes it once, keyed by user', async () => {
    const first = await h.client.uploadHrvSamples({
      userId: 'hk-user',
      samples: [
        sample(1),
        sample(2),
        sample(1, { uuid: uuid(1).toUpperCase() }), // the same sample again, in NSUUID's spelling
        sample(3, { unit: 's' }),
        sample(4, { value: 0 }),
        sample(5, { end: timestampFromDate(new Date(now0.getTime() + 10 * minute)) }),
        sample(6, { uuid: 'nope' }),
        sample(7, { start: ago(1), end: ago(5) }),
        sample(8),
      ],
    });
    expect(first.results.map((r) => [r.uuid, SampleOutcome[r.outcome], r.reason])).toEqual([
      [uuid(1), 'ACCEPTED', ''],
      [uuid(2), 'ACCEPTED', ''],
      [uuid(1).toUpperCase(), 'DUPLICATE', ''],
      [uuid(3), 'REJECTED', 'unsupported_unit'],
      [uuid(4), 'REJECTED', 'value_out_of_range'],
      [uuid(5), 'REJECTED', 'in_future'],
      ['nope', 'REJECTED', 'invalid_uuid'],
      [uuid(7), 'REJECTED', 'end_before_start'],
      [uuid(8), 'ACCEPTED', ''],
    ]);

    // The client re-sends a sample it already delivered (an anchor that did not move) with a new one.
    const second = await h.client.uploadHrvSamples({ userId: 'hk-user', samples: [sample(2), sample(9), sample(10, { value: 301 })] });
    expect(second.results.map((r) => SampleOutcome[r.outcome])).toEqual(['DUPLICATE', 'ACCEPTED', 'REJECTED']);

    const exported = await h.client.exportUserData({ userId: 'hk-user' });
    expect(exported.hrvSamples.map((s) => [s.sampleId, s.valueMs, s.metric, s.source])).toEqual(
      [9, 8, 2, 1].map((n) => [uuid(n).toUpperCase(), 40 + n, HrvMetric.SDNN, HrvSource.HEALTHKIT]),
    );

    const published = await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'hk-user', 4);
    await eventually(() => outboxIsEmpty(h), Boolean);
    const mine = h.allPublished().filter((e) => e.key === 'hk-user');
    expect(mine).toHaveLength(4);
    expect(new Set(mine.map((e) => e.eventId)).size).toBe(4);
    expect(published.map((e) => e.message.sampleId).sort()).toEqual([1, 2, 8, 9].map((n) => uuid(n).toUpperCase()).sort());
    for (const e of published) {
      expect(e.key).toBe('hk-user');
      expect(e.message.metric).toBe(HrvMetric.SDNN);
      expect(e.message.source).toBe(HrvSource.HEALTHKIT);
      expect(e.message.measuredAt).toBeDefined();
    }
    const eight = published.find((e) => e.message.sampleId === uuid(8).toUpperCase())!;
    expect(eight.message.measuredAt).toEqual(ago(9)); // measured at the end of its window
  });

  it('stores and publishes a batch in five statements, whatever its size: the user under its erasure lock, the samples, their events in upload order, one NOTIFY', async () => {
    const statements: string[] = [];
    const counting = createDatabase<Database>({
      url: h.databaseUrl,
      schema,
      log: (event) => {
        if (event.level === 'query') statements.push(event.query.sql);
      },
    });
    try {
      const deps = { ...h.deps, db: counting.db };
      const at = (m: number) => new Date(now0.getTime() - m * minute);
      const uploaded = (n: number) => ({ uuid: uuid(n), start: at(n + 2), end: at(n + 1), value: 40 + n, unit: 'ms' });
      await uploadSamples(deps, 'hk-batch', [uploaded(30)]);
      // Sample n is measured n + 1 minutes ago with an id ending in n: neither time nor id sorts this order.
      const order = [47, 21, 58, 33, 40, 26, 52, 35, 44, 23, 56, 29, 38, 49, 24, 31, 54, 42, 27, 45];
      statements.length = 0;
      const answers = await uploadSamples(deps, 'hk-batch', [uploaded(30), ...order.map(uploaded)]);
      expect(answers.map((a) => a.outcome)).toEqual(['duplicate', ...order.map(() => 'accepted')]);

      const work = statements.filter((q) => !/^(begin|commit|rollback)\b/i.test(q.trim()));
      expect(work.map((q) => q.match(/^(insert into "\w+"|select pg_notify|select pg_advisory_xact_lock_shared|select .* from "known_users")/i)?.[1] ?? q)).toEqual([
        'select pg_advisory_xact_lock_shared',
        'select * from "known_users"',
        'insert into "hrv_samples"',
        'insert into "outbox"',
        'select pg_notify',
      ]);

      // One key, so one partition: the relay publishes in outbox-id order, and that is the upload order.
      const published = await h.published(HrvSampleRecordedSchema, (m) => m.userId === 'hk-batch', order.length + 1);
      expect(published.map((e) => e.message.sampleId)).toEqual([30, ...order].map((n) => uuid(n).toUpperCase()));
      expect(new Set(published.map((e) => e.eventId)).size).toBe(order.length + 1);
    } finally {
      await counting.close();
    }
  });

  it('refuses a batch over the cap as a whole, and a malformed user id', async () => {
    const tooMany = Array.from({ length: 501 }, (_, i) => sample(1, { uuid: `3f2504e0-4f89-41d3-9a0c-${String(i).padStart(12, '0')}` }));
    await expect(h.client.uploadHrvSamples({ userId: 'cap-user', samples: tooMany })).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect((await h.client.exportUserData({ userId: 'cap-user' })).hrvSamples).toEqual([]);
    await expect(h.client.uploadHrvSamples({ userId: 'no spaces', samples: [] })).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect((await h.client.uploadHrvSamples({ userId: 'cap-user', samples: [] })).results).toEqual([]);
  });
});
