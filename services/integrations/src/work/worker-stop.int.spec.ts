import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pino from 'pino';
import { createDatabase } from '@omtobe/db';
import { createLifecycle } from '@omtobe/platform';
import { startHarness, type Harness } from '../../test/harness.ts';
import { tickMockHrv } from '../providers/mock/mock-hrv.ts';
import { schema, type Database } from '../store/database.ts';
import { startWorker } from './worker.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const users = 450;

/** A database like the service's whose statements (transaction control aside) are recorded, in order. */
function countingDatabase(h: Harness, onStatement: (sql: string) => void = () => {}) {
  const statements: string[] = [];
  const database = createDatabase<Database>({
    url: h.databaseUrl,
    schema,
    log: (event) => {
      if (event.level !== 'query' || /^(begin|commit|rollback)\b/i.test(event.query.sql.trim())) return;
      statements.push(event.query.sql);
      onStatement(event.query.sql);
    },
  });
  return { ...database, statements };
}

describe('background worker with the mock providers on', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, mode: 'development' });
    // Known users as a seeded database holds them: no readings yet, no calendar.
    await sql`insert into known_users (user_id, timezone, registered_at)
      select 'walk-' || lpad(g::text, 4, '0'), 'Europe/London', ${now0} from generate_series(1, ${users}) g`.execute(h.deps.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the HRV stream reads only users owed a reading: a batch of 200 per transaction, and one query when quiet', async () => {
    const db = countingDatabase(h);
    try {
      const deps = { ...h.deps, db: db.db };
      expect(await tickMockHrv(deps)).toBe(users);
      // 450 users: three batches (200, 200, 50), each one select, one sample insert, one outbox insert, one NOTIFY.
      const shape = db.statements.map((q) => q.match(/^(select|insert into "\w+")/i)?.[0] ?? q);
      expect(shape).toEqual(Array.from({ length: 3 }, () => ['select', 'insert into "hrv_samples"', 'insert into "outbox"', 'select']).flat());

      db.statements.length = 0;
      h.clock.advance(5 * minute - 1);
      expect(await tickMockHrv(deps)).toBe(0);
      expect(db.statements).toHaveLength(1);

      h.clock.advance(1);
      db.statements.length = 0;
      expect(await tickMockHrv(deps)).toBe(users);
      expect(db.statements.filter((q) => q.startsWith('insert into "outbox"'))).toHaveLength(3);
    } finally {
      await db.close();
    }
  });

  it('stops in the middle of a walk between two users, before the pool closes: no query after it, every stop clean', async () => {
    const logs: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);

    // As main.ts registers them: the pool first, the worker after it, so the worker stops first.
    const lifecycle = createLifecycle({ logger });
    const stopAfterUsers = 20;
    let walked = 0;
    let closing = false;
    const late: string[] = [];
    let shutdown: ((result: Promise<boolean>) => void) | undefined;
    const shutdownBegun = new Promise<Promise<boolean>>((resolve) => (shutdown = resolve));
    const db = countingDatabase(h, (q) => {
      if (closing) late.push(q);
      // Each user of the calendar walk starts with one read of their stored events (`select *`; the later
      // read of unlisted ones selects ids only): shut down (as SIGTERM would) while the 20th user is being
      // written, with hundreds still to go.
      if (/^select \* from "calendar_events"/i.test(q) && ++walked === stopAfterUsers) shutdown!(lifecycle.shutdown('SIGTERM'));
    });
    lifecycle.onStop('database pool', () => {
      closing = true;
      return db.close();
    });
    const deps = { ...h.deps, db: db.db };
    const worker = startWorker(deps, { intervalMs: 3_600_000, maintenanceEvery: 1_000, logger, signal: lifecycle.stopping });
    lifecycle.onStop('background worker', () => worker.stop());

    try {
      expect(await (await shutdownBegun)).toBe(true); // every stop step succeeded within its timeout
      expect(walked).toBe(stopAfterUsers); // no user was started after shutdown began
      expect(late).toEqual([]);
      // The user under way was finished, not torn: their whole calendar is there, and nobody else's.
      const filled = await sql<{ user_id: string; n: number }>`
        select user_id, count(*)::int as n from calendar_events where source = 'mock' group by user_id order by user_id`.execute(h.deps.db);
      expect(filled.rows.map((r) => r.user_id)).toEqual(Array.from({ length: stopAfterUsers }, (_, i) => `walk-${String(i + 1).padStart(4, '0')}`));
      expect(new Set(filled.rows.map((r) => r.n)).size).toBe(1);
      expect(logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]); // no failed part, no failed stop
      expect(logs.map((l) => l.msg).filter((m) => m === 'stopped')).toHaveLength(2);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await lifecycle.shutdown('test done');
    }
  });
});
