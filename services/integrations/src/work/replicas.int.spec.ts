import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pino from 'pino';
import { createDatabase, type Database as Pool } from '@omtobe/db';
import { loadConfig } from '@omtobe/platform';
import { eventually } from '@omtobe/testing';
import { connectWhoop } from '../../test/flows.ts';
import { logger, passesToTheEnd, startHarness, type Harness } from '../../test/harness.ts';
import { apnsToken, registerIos } from '../../test/push-flows.ts';
import { configSchema, pushSendersFrom } from '../config.ts';
import { queueRevocation } from '../operations/connections/revocation-queue.ts';
import { sealTokens } from '../operations/connections/token-vault.ts';
import { createPushDispatcher, type PushDispatcher } from '../operations/push/deliver-pushes.ts';
import { planPushes } from '../operations/push/plan-pushes.ts';
import { createPushSenders } from '../operations/push/senders.ts';
import type { SendOutcome } from '../domain/push-outcome.ts';
import type { PushSender } from '../domain/push-sender.ts';
import type { Deps } from '../operations/deps.ts';
import { claimDueConnections, finishSync, lockConnection, requestSync } from '../store/connections.repo.ts';
import { schema, type Database } from '../store/database.ts';
import { claimDueDeliveries } from '../store/push-deliveries.repo.ts';
import { claimDueRevocations } from '../store/revocations.repo.ts';
import { runDueRevocations } from './revocations.ts';
import { runDueSyncs } from './sync.ts';
import { startWorker, type Worker } from './worker.ts';

// Two replicas of integrations run two background workers on one database. Work is claimed with a lease
// (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)), on the service clock: replicas take different rows,
// never wait for each other's locks, and a replica that dies with rows claimed leaves them to the other once the
// lease ends. The clock is the harness's test clock: a lease ends when the test moves it, not after real time.

const now0 = new Date('2026-06-10T12:00:00Z');
const revokePath = '/developer/v2/user/access';
const recoveryPath = '/developer/v2/recovery';

const workerOptions = { intervalMs: 20, maintenanceEvery: 1_000, logger };

/** A gate a replica's provider call waits at: `inside` once the call has reached it, `release` lets it go on. */
function gate(): { inside: Promise<void>; reached: () => void; passed: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => (reached = resolve));
  const passed = new Promise<void>((resolve) => (release = resolve));
  return { inside, reached, passed, release };
}

/** The replica with one WHOOP call held at a gate (then made, or failed with `fail`): a sync or a revocation still under way. */
function heldWhoop(deps: Deps, call: 'recoveries' | 'revokeAccess', fail?: Error) {
  const api = deps.whoop!;
  const held = gate();
  const through = async <T>(run: () => Promise<T>): Promise<T> => {
    held.reached();
    await held.passed;
    if (fail) throw fail;
    return run();
  };
  const whoop =
    call === 'recoveries'
      ? { ...api, recoveries: (...args: Parameters<typeof api.recoveries>) => through(() => api.recoveries(...args)) }
      : { ...api, revokeAccess: (...args: Parameters<typeof api.revokeAccess>) => through(() => api.revokeAccess(...args)) };
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  const captured = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { deps: { ...deps, whoop, logger: captured }, held, lines };
}

/** The replica with its WHOOP calls counted: which replica did the work. */
function countingWhoop(deps: Deps): { deps: Deps; calls: { revokeAccess: number; recoveries: number } } {
  const api = deps.whoop!;
  const calls = { revokeAccess: 0, recoveries: 0 };
  const whoop = {
    ...api,
    revokeAccess: (...args: Parameters<typeof api.revokeAccess>) => ((calls.revokeAccess += 1), api.revokeAccess(...args)),
    recoveries: (...args: Parameters<typeof api.recoveries>) => ((calls.recoveries += 1), api.recoveries(...args)),
  };
  return { deps: { ...deps, whoop }, calls };
}

describe('two background workers on one database', () => {
  let h: Harness;
  let second: Pool<Database>;
  /** The other replica: the same service on its own pool. */
  let replica: Deps;
  beforeAll(async () => {
    // Claims of two pushes at a time, so several passes of both push dispatchers share a few pushes.
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false', PUSH_BATCH_SIZE: '2' } });
    second = createDatabase<Database>({ url: h.databaseUrl, schema });
    // A statement of this replica that waits for a lock fails after 2 s instead of hanging: a claim that waits for
    // the other replica's rows shows up as an error, not as a slow test.
    second.pool.on('connect', (client) => void client.query(`set lock_timeout = '2s'`));
    replica = { ...h.deps, db: second.db };
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  /** Grants queued for revocation as disconnects queue them, each a live grant at the fake WHOOP. */
  const queueGrants = async (prefix: string, count: number): Promise<string[]> => {
    const whoopIds: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const whoopId = `${prefix}${String(i).padStart(3, '0')}`;
      const tokens = await h.deps.whoop!.exchangeCode(h.whoop.issueCode(whoopId));
      const owner = `grant-${whoopId}`;
      await queueRevocation(h.deps.db, h.deps.cipher, logger, { user_id: owner, provider: 'whoop', ...sealTokens(h.deps.cipher, owner, 'whoop', tokens) }, [], h.clock.now());
      whoopIds.push(whoopId);
    }
    return whoopIds;
  };

  const revocationsLeft = async () => (await sql<{ n: number }>`select count(*)::int as n from revocations`.execute(h.deps.db)).rows[0]!.n;

  it('revoke every queued grant exactly once between them while both run', async () => {
    const revokedBefore = h.whoop.revoked.length;
    const requestsBefore = h.whoop.apiRequests(revokePath).length;
    // More than one claim's batch (20), so both replicas' first ticks find work. (Few: the fake WHOOP allows the
    // app 100 calls a minute, as WHOOP does.)
    const whoopIds = await queueGrants('7', 24);
    const [a, b] = [countingWhoop(h.deps), countingWhoop(replica)];
    const workers: Worker[] = [startWorker(a.deps, workerOptions), startWorker(b.deps, workerOptions)];
    try {
      await eventually(revocationsLeft, (n) => n === 0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    // Each grant revoked once at WHOOP, by one replica or the other; no token presented twice (a second try would
    // also have sent the spent refresh token to the token endpoint).
    expect(h.whoop.revoked.slice(revokedBefore).sort()).toEqual(whoopIds);
    expect(h.whoop.apiRequests(revokePath)).toHaveLength(requestsBefore + whoopIds.length);
    expect(a.calls.revokeAccess + b.calls.revokeAccess).toBe(whoopIds.length);
    expect(a.calls.revokeAccess).toBeGreaterThan(0);
    expect(b.calls.revokeAccess).toBeGreaterThan(0);
  });

  it("skip another replica's claim under way without waiting, and take its rows over once its lease has ended", async () => {
    const now = h.clock.now();
    const leaseUntil = new Date(now.getTime() + h.deps.settings.workLeaseMs);
    const whoopIds = await queueGrants('8', 4);
    const revokedBefore = h.whoop.revoked.length;
    const requestsBefore = h.whoop.apiRequests(revokePath).length;
    const revokedNow = () => h.whoop.revoked.slice(revokedBefore).sort();
    const left = async () => (await h.deps.db.selectFrom('revocations').select('id').orderBy('id').execute()).map((r) => r.id);

    // Replica A's claim, caught between its statement and its commit: it holds two rows locked.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimedByA: string[] = [];
    let claimed!: () => void;
    const claimedSignal = new Promise<void>((resolve) => (claimed = resolve));
    const replicaA = h.deps.db.transaction().execute(async (trx) => {
      claimedByA = (await claimDueRevocations(trx, now, leaseUntil, 2)).map((r) => r.id);
      claimed();
      await held;
    });
    await claimedSignal;
    try {
      expect(claimedByA).toHaveLength(2);
      // B claims the other two at once: it does not wait for A's locks (a wait would fail on the lock timeout).
      expect(await runDueRevocations(replica)).toBe(2);
      expect(revokedNow()).toHaveLength(2);
      expect(await left()).toEqual([...claimedByA].sort());
    } finally {
      release();
      await replicaA;
    }
    // A committed its lease, then died without revoking anything: B leaves A's rows alone until the lease ends …
    expect(await runDueRevocations(replica)).toBe(0);
    h.clock.set(leaseUntil);
    expect(await runDueRevocations(replica)).toBe(0);
    // … and takes them over right after.
    h.clock.set(new Date(leaseUntil.getTime() + 1));
    expect(await runDueRevocations(replica)).toBe(2);
    expect(revokedNow()).toEqual(whoopIds);
    expect(h.whoop.apiRequests(revokePath)).toHaveLength(requestsBefore + whoopIds.length);
    expect(await left()).toEqual([]);
    h.clock.set(now0);
  });

  describe('a revocation that outlived its lease', () => {
    const revocation = async () =>
      (await h.deps.db.selectFrom('revocations').select(['id', 'attempts', 'due_at', 'lease_until']).execute()).map((r) => ({ ...r }));

    /** A's revocation is under way when its lease ends; B claims the row and is under way too. */
    const lateA = async (prefix: string, fail?: Error) => {
      h.clock.set(now0);
      const [whoopId] = await queueGrants(prefix, 1);
      const a = heldWhoop(h.deps, 'revokeAccess', fail);
      const runA = runDueRevocations(a.deps);
      await a.held.inside;
      const [claimedByA] = await revocation();
      expect(claimedByA!.lease_until).toEqual(new Date(now0.getTime() + h.deps.settings.workLeaseMs));
      h.clock.set(new Date(claimedByA!.lease_until!.getTime() + 1));
      const b = heldWhoop(replica, 'revokeAccess');
      const runB = runDueRevocations(b.deps);
      await b.held.inside;
      const [claimedByB] = await revocation();
      expect(claimedByB!.lease_until).toEqual(new Date(h.clock.now().getTime() + h.deps.settings.workLeaseMs));
      return { whoopId: whoopId!, a, runA, b, runB, claimedByB: claimedByB! };
    };

    it("revoked late: A's delete leaves the row B is working on, and B finishes it", async () => {
      const revokedBefore = h.whoop.revoked.length;
      const { whoopId, a, runA, b, runB, claimedByB } = await lateA('60');
      a.held.release();
      expect(await runA).toBe(1);
      expect(h.whoop.revoked.slice(revokedBefore)).toEqual([whoopId]);
      // A revoked the grant, but the row is B's now: still there, B's lease untouched.
      expect(await revocation()).toEqual([claimedByB]);
      expect(a.lines.filter((l) => l.level === 40 && l.msg.includes('outlived its lease'))).toEqual([expect.objectContaining({ provider: 'whoop', outcome: 'revoked' })]);
      expect(JSON.stringify(a.lines)).not.toMatch(/whoop-(access|refresh)/);
      b.held.release();
      expect(await runB).toBe(1);
      expect(await revocation()).toEqual([]);
      h.clock.set(now0);
    });

    it("failed late: A's retry neither counts an attempt nor clears B's lease nor moves B's row", async () => {
      const { a, runA, b, runB, claimedByB } = await lateA('61', new Error('WHOOP revoke answered 502'));
      a.held.release();
      expect(await runA).toBe(1);
      expect(await revocation()).toEqual([claimedByB]);
      // Nobody else can take the row while B holds it.
      expect(await claimDueRevocations(h.deps.db, h.clock.now(), new Date(h.clock.now().getTime() + 1_000), 10)).toEqual([]);
      expect(a.lines.filter((l) => l.level === 40 && l.msg.includes('outlived its lease'))).toEqual([expect.objectContaining({ outcome: 'failed' })]);
      b.held.release();
      expect(await runB).toBe(1);
      expect(await revocation()).toEqual([]);
      h.clock.set(now0);
    });
  });

  describe('syncs', () => {
    const syncState = async (userIds: string[]) =>
      (
        await h.deps.db
          .selectFrom('connections')
          .select(['user_id', 'sync_due_at', 'sync_lease_until', 'last_synced_at'])
          .where('user_id', 'in', userIds)
          .orderBy('user_id')
          .execute()
      ).map((r) => ({ user: r.user_id, due: r.sync_due_at, lease: r.sync_lease_until, synced: r.last_synced_at }));

    /** Connected users whose first sync is due now (as the connect flow leaves them); nothing runs it yet. */
    const connected = async (prefix: string, whoopPrefix: number, count: number): Promise<string[]> => {
      const users: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const userId = `${prefix}-${String(i).padStart(3, '0')}`;
        await connectWhoop(h, userId, `${whoopPrefix}${String(i).padStart(3, '0')}`);
        users.push(userId);
      }
      return users;
    };

    it('sync every due connection exactly once between them while both run', async () => {
      // More than one claim's batch (10), so both replicas' first ticks find work.
      h.clock.set(now0);
      const users = await connected('sync', 51, 12);
      const before = h.whoop.apiRequests(recoveryPath).length;
      const [a, b] = [countingWhoop(h.deps), countingWhoop(replica)];
      const workers = [startWorker(a.deps, workerOptions), startWorker(b.deps, workerOptions)];
      try {
        await eventually(() => syncState(users), (rows) => rows.every((r) => r.synced !== null && r.lease === null));
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      // One page of recoveries per connection, each asked for with that connection's own token, once.
      const requests = h.whoop.apiRequests(recoveryPath).slice(before);
      expect(requests).toHaveLength(users.length);
      expect(new Set(requests.map((r) => r.headers.authorization)).size).toBe(users.length);
      expect(a.calls.recoveries + b.calls.recoveries).toBe(users.length);
      expect(a.calls.recoveries).toBeGreaterThan(0);
      expect(b.calls.recoveries).toBeGreaterThan(0);
      const next = new Date(now0.getTime() + h.deps.settings.whoop!.syncIntervalMs);
      expect(await syncState(users)).toEqual(users.map((user) => ({ user, due: next, lease: null, synced: now0 })));
    });

    it('do not wait for a token refresh under way on one replica: the other syncs the rest, and that one next', async () => {
      h.clock.set(now0);
      const [busy, ...rest] = await connected('lock', 52, 3);
      const before = h.whoop.apiRequests(recoveryPath).length;
      // What refreshWhoopTokens holds while WHOOP answers: the connection's row lock.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockedSignal = new Promise<void>((resolve) => (locked = resolve));
      const refreshing = h.deps.db.transaction().execute(async (trx) => {
        await lockConnection(trx, busy!, 'whoop');
        locked();
        await held;
      });
      await lockedSignal;
      try {
        expect(await runDueSyncs(replica)).toBe(rest.length);
      } finally {
        release();
        await refreshing;
      }
      expect((await syncState([busy!])).map((r) => r.synced)).toEqual([null]);
      expect(await runDueSyncs(replica)).toBe(1);
      expect((await syncState([busy!])).map((r) => r.synced)).toEqual([now0]);
      expect(h.whoop.apiRequests(recoveryPath)).toHaveLength(before + 3);
    });

    it('leave a connection another replica is syncing alone, even when a sync of it is requested meanwhile', async () => {
      h.clock.set(now0);
      const [user] = await connected('leased', 53, 1);
      const before = h.whoop.apiRequests(recoveryPath).length;
      const leaseUntil = new Date(now0.getTime() + h.deps.settings.workLeaseMs);
      // Replica A claims the connection and is syncing it.
      const [claim] = await claimDueConnections(h.deps.db, now0, leaseUntil, 10);
      expect(claim?.user_id).toBe(user);
      // A webhook asks for a sync of it now: B must not start a second sync beside A's.
      expect(await requestSync(h.deps.db, { userId: user!, provider: 'whoop' }, now0)).toBe(1);
      expect(await runDueSyncs(replica)).toBe(0);
      // A finishes: the request made during its sync stands, and B runs it.
      await finishSync(h.deps.db, { userId: user!, provider: 'whoop', leaseUntil }, new Date(now0.getTime() + h.deps.settings.whoop!.syncIntervalMs), { last_synced_at: now0 });
      expect(await runDueSyncs(replica)).toBe(1);
      expect(h.whoop.apiRequests(recoveryPath)).toHaveLength(before + 1);
    });

    it('take over the connection of a replica that died mid-sync once its lease has ended, and sync it once', async () => {
      h.clock.set(now0);
      const [user] = await connected('orphan', 54, 1);
      const before = h.whoop.apiRequests(recoveryPath).length;
      const leaseUntil = new Date(now0.getTime() + h.deps.settings.workLeaseMs);
      const [claim] = await claimDueConnections(h.deps.db, now0, leaseUntil, 10);
      expect(claim?.user_id).toBe(user);
      // A never finishes. Until its lease ends, B leaves the connection alone.
      expect(await runDueSyncs(replica)).toBe(0);
      h.clock.set(leaseUntil);
      expect(await runDueSyncs(replica)).toBe(0);
      h.clock.set(new Date(leaseUntil.getTime() + 1));
      expect(await runDueSyncs(replica)).toBe(1);
      expect(await runDueSyncs(replica)).toBe(0);
      expect(h.whoop.apiRequests(recoveryPath)).toHaveLength(before + 1);
      expect((await syncState([user!])).map((r) => r.lease)).toEqual([null]);
      h.clock.set(now0);
    });
    it("finish nothing of the successor's once A's sync outlived its lease: neither B's lease nor its outcome", async () => {
      h.clock.set(now0);
      const [user] = await connected('late-sync', 56, 1);
      const before = h.whoop.apiRequests(recoveryPath).length;
      const leaseA = new Date(now0.getTime() + h.deps.settings.workLeaseMs);
      // A's sync is waiting for WHOOP when its lease ends …
      const a = heldWhoop(h.deps, 'recoveries');
      const runA = runDueSyncs(a.deps);
      await a.held.inside;
      expect(await syncState([user!])).toEqual([{ user, due: leaseA, lease: leaseA, synced: null }]);
      // … and B claims the connection and is syncing it.
      const later = new Date(leaseA.getTime() + 1);
      h.clock.set(later);
      const leaseB = new Date(later.getTime() + h.deps.settings.workLeaseMs);
      const b = heldWhoop(replica, 'recoveries');
      const runB = runDueSyncs(b.deps);
      await b.held.inside;
      expect(await syncState([user!])).toEqual([{ user, due: leaseB, lease: leaseB, synced: null }]);
      // A's late finish changes nothing: B still owns the connection, and no third replica may start beside it.
      a.held.release();
      expect(await runA).toBe(1);
      expect(await syncState([user!])).toEqual([{ user, due: leaseB, lease: leaseB, synced: null }]);
      expect(await claimDueConnections(h.deps.db, leaseB, new Date(leaseB.getTime() + 1_000), 10)).toEqual([]);
      expect(a.lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ user_id: user, provider: 'whoop', msg: expect.stringContaining('outlived its lease') })]);
      expect(JSON.stringify(a.lines)).not.toMatch(/whoop-(access|refresh)/);
      // B finishes as if A had never come back.
      b.held.release();
      expect(await runB).toBe(1);
      expect(await syncState([user!])).toEqual([{ user, due: new Date(later.getTime() + h.deps.settings.whoop!.syncIntervalMs), lease: null, synced: later }]);
      expect(h.whoop.apiRequests(recoveryPath)).toHaveLength(before + 2);
      h.clock.set(now0);
    });
  });

  describe('pushes', () => {
    let senders: Awaited<ReturnType<typeof createPushSenders>>;
    /** The other replica's push dispatcher: its own pool, its own APNs and FCM clients. */
    let dispatcherB: PushDispatcher;
    beforeAll(async () => {
      const config = loadConfig(configSchema, { DATABASE_URL: h.databaseUrl, KAFKA_BROKERS: 'unused:9092', ...h.apns.env(), ...h.fcm.env() });
      senders = await createPushSenders(pushSendersFrom(config), logger);
      dispatcherB = createPushDispatcher(replica, senders);
    });
    afterAll(async () => {
      await dispatcherB?.drain();
      await senders?.close();
    });

    /** A raised brake for each of `count` users with one iPhone each, its pushes pending (as the prompts consumer plans them). */
    const brakesDue = async (prefix: string, seed: number, count: number): Promise<string[]> => {
      const tokens: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const userId = `${prefix}-${i}`;
        const token = apnsToken(seed + i);
        await registerIos(h, userId, token);
        const now = h.clock.now();
        await planPushes(h.deps.db, h.deps.settings.push, { userId, transitionId: `${prefix}-transition-${i}`, kind: 'brake', eventId: `google:${prefix}-${i}`, occurredAt: now }, now, logger);
        tokens.push(token);
      }
      return tokens;
    };


    it('send every due push exactly once between them while both run', async () => {
      h.clock.set(now0);
      const tokens = await brakesDue('both', 9_000, 8);
      const [byA, byB] = await Promise.all([passesToTheEnd(h.pushes), passesToTheEnd(dispatcherB)]);
      expect(byA + byB).toBe(tokens.length);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
      // One request per phone reached APNs: nobody got the brake twice.
      expect(tokens.map((t) => h.apns.requestsFor(t).length)).toEqual(tokens.map(() => 1));
      const rows = await h.deps.db.selectFrom('push_deliveries').select(['status', 'attempts']).where('user_id', 'like', 'both-%').execute();
      expect(rows).toEqual(tokens.map(() => ({ status: 'sent', attempts: 1 })));
    });

    it("skip another replica's claim under way without waiting, and send its pushes once its lease has ended, and only then", async () => {
      h.clock.set(now0);
      const tokens = await brakesDue('orphan-push', 9_100, 2);
      const leaseUntil = new Date(now0.getTime() + h.deps.settings.push.sendTimeoutMs + 30_000);
      // Replica A's claim of one push as its dispatcher makes it, caught between its statement and its commit.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let claimed!: (token: string) => void;
      const claimedSignal = new Promise<string>((resolve) => (claimed = resolve));
      const replicaA = h.deps.db.transaction().execute(async (trx) => {
        const [row] = await claimDueDeliveries(trx, now0, leaseUntil, 1);
        claimed(tokens[Number(row!.user_id.split('-').at(-1))]!);
        await held;
      });
      const claimedByA = await claimedSignal;
      const other = tokens.find((t) => t !== claimedByA)!;
      try {
        // B sends the other push at once, without waiting for A's lock (a wait would fail on the lock timeout).
        expect(await passesToTheEnd(dispatcherB)).toBe(1);
        expect(h.apns.requestsFor(other)).toHaveLength(1);
      } finally {
        release();
        await replicaA;
      }
      // A committed its lease and died before sending: B leaves the push alone until the lease ends …
      expect(await passesToTheEnd(dispatcherB)).toBe(0);
      h.clock.set(leaseUntil);
      expect(await passesToTheEnd(dispatcherB)).toBe(0);
      expect(h.apns.requestsFor(claimedByA)).toHaveLength(0);
      // … and sends it, once, right after.
      h.clock.set(new Date(leaseUntil.getTime() + 1));
      expect(await passesToTheEnd(dispatcherB)).toBe(1);
      expect(tokens.map((t) => h.apns.requestsFor(t).length)).toEqual([1, 1]);
      h.clock.set(now0);
    });

    it("record nothing of the successor's once A's send outlived its lease: neither B's lease nor its outcome", async () => {
      h.clock.set(now0);
      await brakesDue('late-push', 9_200, 1);
      const delivery = async () =>
        (await h.deps.db.selectFrom('push_deliveries').select(['status', 'attempts', 'due_at', 'lease_until', 'last_error']).where('user_id', '=', 'late-push-0').execute()).map((r) => ({ ...r }));
      /** A dispatcher whose sends wait at a gate, then end with `outcome`. */
      const heldDispatcher = (deps: Deps, outcome: SendOutcome) => {
        const held = gate();
        const sender: PushSender = {
          name: 'held',
          send: async () => {
            held.reached();
            await held.passed;
            return outcome;
          },
          close: async () => undefined,
        };
        const lines: Array<Record<string, unknown> & { msg: string }> = [];
        const captured = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
        return { dispatcher: createPushDispatcher({ ...deps, logger: captured }, { ios: sender, android: sender }), held, lines };
      };
      // A's send is under way when its lease ends (its answer, a 500, comes late) …
      const a = heldDispatcher(h.deps, { kind: 'retry', reason: 'apns 500' });
      const passA = await a.dispatcher.runOnce();
      expect(passA.claimed).toBe(1);
      await a.held.inside;
      const [claimedByA] = await delivery();
      // … and B claims the push and is sending it.
      h.clock.set(new Date(claimedByA!.lease_until!.getTime() + 1));
      const b = heldDispatcher(replica, { kind: 'sent' });
      const passB = await b.dispatcher.runOnce();
      expect(passB.claimed).toBe(1);
      await b.held.inside;
      const [claimedByB] = await delivery();
      expect(claimedByB!.lease_until!.getTime()).toBeGreaterThan(claimedByA!.lease_until!.getTime());
      // A's late retry changes nothing: no attempt counted, B's lease kept, the row not moved, nothing for a third replica.
      a.held.release();
      await passA.settled;
      expect(await delivery()).toEqual([claimedByB]);
      expect(await claimDueDeliveries(h.deps.db, h.clock.now(), new Date(h.clock.now().getTime() + 1_000), 10)).toEqual([]);
      expect(a.lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ delivery_id: expect.any(String), outcome: 'pending', msg: expect.stringContaining('outlived its lease') })]);
      b.held.release();
      await passB.settled;
      expect(await delivery()).toEqual([{ status: 'sent', attempts: 1, due_at: claimedByB!.due_at, lease_until: null, last_error: null }]);
      h.clock.set(now0);
    });
  });
});
