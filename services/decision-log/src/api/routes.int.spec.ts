import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { durationFromMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { loadDevClock } from '@omtobe/db';
import { errorReasonHeader, HealthRegistry, createServer, type Server } from '@omtobe/platform';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';
import { eventually, rejection } from '@omtobe/testing';
import { Decision, ReflectionResponse } from '@omtobe/proto/state-engine/v1';
import { expectInvalid } from '../../test/connect.ts';
import { decision, minutesAfter, openTestDb, reflection, silentLogger, testDeps, type TestDb } from '../../test/support.ts';
import { encodePageToken } from '../domain/page-token.ts';
import { insertDecision } from '../store/decisions.repo.ts';
import { insertReflection } from '../store/reflections.repo.ts';
import { decisionLogRoutes } from './routes.ts';

describe('DecisionLogService over Connect (a real server on a free port)', () => {
  let t: TestDb;
  let server: Server;
  let client: Client<typeof DecisionLogService>;

  beforeAll(async () => {
    t = await openTestDb('decision_log_api');
    server = createServer({ routes: decisionLogRoutes(testDeps(t.db)), port: 0, host: '127.0.0.1', logger: silentLogger, health: new HealthRegistry() });
    const port = await server.listen();
    client = createClient(DecisionLogService, createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: '1.1' }));
  });
  afterAll(async () => {
    await server?.close(1_000);
    await t?.close();
  });

  it('refuses AdvanceDevClock without a development clock (production), and moves one it has, never back', async () => {
    const refused = await rejection(client.advanceDevClock({ offset: durationFromMs(60_000) }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.metadata.get(errorReasonHeader)).toBe('development_only');

    const devClock = await loadDevClock(t.db);
    const dev = createServer({ routes: decisionLogRoutes(testDeps(t.db, { devClock })), port: 0, host: '127.0.0.1', logger: silentLogger, health: new HealthRegistry() });
    try {
      const devClient = createClient(DecisionLogService, createConnectTransport({ baseUrl: `http://127.0.0.1:${await dev.listen()}`, httpVersion: '1.1' }));
      const moved = await devClient.advanceDevClock({ offset: durationFromMs(3_600_000) });
      expect(moved.offset).toMatchObject({ seconds: 3600n });
      expect(Math.abs(Number(moved.now!.seconds) * 1000 - (Date.now() + 3_600_000))).toBeLessThan(5_000);
      expect((await devClient.advanceDevClock({})).offset).toMatchObject({ seconds: 3600n });
      expect((await devClient.advanceDevClock({ offset: durationFromMs(60_000) })).offset).toMatchObject({ seconds: 3600n });
      await expectInvalid(devClient.advanceDevClock({ offset: durationFromMs(-60_000) }), 'invalid_offset');
    } finally {
      await dev.close(1_000);
    }
  });

  // Refused tokens are checked in memory (routes.spec.ts); they never reach the store.
  it('accepts a genuine page token', async () => {
    const userId = 'token-user';
    const valid = encodePageToken('decisions', { time: new Date('2025-01-08T10:00:00Z'), id: randomUUID() });
    // The genuine token is accepted (an empty page: this user has nothing older).
    expect((await client.listDecisions({ userId, pageToken: valid })).decisions).toEqual([]);
  });

  it('serves 20 rows by default and never more than 100 however many are asked for', async () => {
    const userId = 'many';
    for (let i = 0; i < 130; i += 1) await insertDecision(t.db, decision({ userId, decidedAt: minutesAfter('2025-01-08T00:00:00Z', i) }));
    const byDefault = await client.listDecisions({ userId });
    expect(byDefault.decisions).toHaveLength(20);
    expect(byDefault.nextPageToken).not.toBe('');
    const capped = await client.listDecisions({ userId, pageSize: 4_000_000_000 });
    expect(capped.decisions).toHaveLength(100);
    const rest = await client.listDecisions({ userId, pageSize: 100, pageToken: capped.nextPageToken });
    expect(rest.decisions).toHaveLength(30);
    expect(rest.nextPageToken).toBe('');
    expect(capped.decisions[0]!.decidedAt).toEqual(timestampFromDate(minutesAfter('2025-01-08T00:00:00Z', 129)));
    expect(rest.decisions.at(-1)!.decidedAt).toEqual(timestampFromDate(new Date('2025-01-08T00:00:00Z')));
  });

  it('answers a summary with the counts of the range', async () => {
    const userId = 'summarised';
    const base = '2031-03-04T10:00:00.000Z';
    await insertDecision(t.db, decision({ userId, decidedAt: new Date(base), decision: 'Delay', cycleDay: 3 }));
    await insertDecision(t.db, decision({ userId, decidedAt: minutesAfter(base, 21), decision: 'Proceed', cycleDay: 3 }));
    await insertReflection(t.db, reflection({ userId, answeredAt: minutesAfter(base, 4 * 24 * 60), response: 'No' }));
    const summary = await client.getSummary({ from: timestampFromDate(new Date('2031-03-01T00:00:00Z')), to: timestampFromDate(new Date('2031-04-01T00:00:00Z')) });
    expect(summary).toMatchObject({
      proceedCount: 1n,
      delayCount: 1n,
      delayFollowedByBrakeCount: 1n,
      reflectionYesCount: 0n,
      reflectionNoCount: 1n,
      reflectionSkipCount: 0n,
    });
  });

  it('exports everything about one user, newest first, and nothing about anyone else', async () => {
    const userId = 'exporter';
    const older = decision({ userId, decidedAt: new Date('2025-01-08T10:00:00.000Z'), decision: 'Delay', cycleDay: 3 });
    const newer = decision({ userId, decidedAt: new Date('2025-01-08T10:20:00.000Z'), decision: 'Proceed', cycleDay: 3 });
    const answer = reflection({ userId, response: 'Yes' });
    for (const row of [older, newer]) await insertDecision(t.db, row);
    await insertReflection(t.db, answer);
    await insertDecision(t.db, decision({ userId: 'someone-else' }));

    const exported = await client.exportUserData({ userId });
    expect(exported.decisions.map((d) => [d.decisionId, d.decision, d.cycleDay])).toEqual([
      [newer.decisionId, Decision.PROCEED, 3],
      [older.decisionId, Decision.DELAY, 3],
    ]);
    expect(exported.decisions[0]!.decidedAt).toEqual(timestampFromDate(newer.decidedAt));
    expect(exported.reflections).toHaveLength(1);
    expect(exported.reflections[0]).toMatchObject({
      reflectionId: answer.reflectionId,
      response: ReflectionResponse.YES,
      answeredAt: timestampFromDate(answer.answeredAt),
      cycleStart: timestampFromDate(answer.cycleStart),
    });
    expect(await client.exportUserData({ userId: 'nobody' })).toMatchObject({ decisions: [], reflections: [] });
  });

  it('pages through a history while rows are inserted: every row that existed at the first page exactly once', async () => {
    const userId = 'busy';
    const base = '2025-02-03T09:00:00.000Z';
    // 60 rows, many sharing a time (ties are broken by id), inserted out of time order.
    const existing = Array.from({ length: 60 }, (_, i) => decision({ userId, decidedAt: minutesAfter(base, Math.floor(i / 4)) })).reverse();
    for (const row of existing.toReversed().filter((_, i) => i % 2 === 0)) await insertDecision(t.db, row);
    for (const row of existing.toReversed().filter((_, i) => i % 2 === 1)) await insertDecision(t.db, row);

    // Writers keep going while the reader pages: new decisions (newer than anything), and late arrivals
    // of older ones (an event delivered late), including some at exactly an existing row's time.
    // Bounded, so late arrivals cannot keep extending the walk.
    const maxWrites = 150;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing && i < maxWrites; i += 1) {
        const late = i % 3 === 0;
        const decidedAt = late ? minutesAfter(base, (i % 15) - 5) : minutesAfter(base, 100 + i);
        await insertDecision(t.db, decision({ userId, decidedAt }));
        written += 1;
      }
    })();

    const seen: Array<{ id: string; at: number }> = [];
    let pageToken = '';
    let pages = 0;
    try {
      do {
        const page = await client.listDecisions({ userId, pageSize: 7, pageToken });
        seen.push(...page.decisions.map((d) => ({ id: d.decisionId, at: Number(d.decidedAt!.seconds) * 1000 + d.decidedAt!.nanos / 1e6 })));
        pageToken = page.nextPageToken;
        pages += 1;
        // Make sure rows really arrive between pages, whatever the scheduling.
        const before = written;
        await eventually(() => written, (w) => w >= Math.min(before + 2, maxWrites), 5_000);
      } while (pageToken !== '');
    } finally {
      writing = false;
      await writer;
    }

    const ids = seen.map((s) => s.id);
    expect(pages).toBeGreaterThan(60 / 7);
    expect(written).toBeGreaterThanOrEqual(2 * (pages - 1)); // rows did arrive between the pages
    expect(new Set(ids).size).toBe(ids.length); // nothing repeated
    for (const row of existing) expect(ids.filter((id) => id === row.decisionId)).toHaveLength(1);
    // And the whole walk is in (time desc, id desc) order: each row strictly after the one before.
    for (let i = 1; i < seen.length; i += 1) {
      const [prev, next] = [seen[i - 1]!, seen[i]!];
      expect(prev.at > next.at || (prev.at === next.at && prev.id > next.id)).toBe(true);
    }
  });
});
