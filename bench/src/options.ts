import { parseArgs } from 'node:util';

export type Scenario = 'check' | 'floor' | 'ingest' | 'decide' | 'delivery';
const allScenarios: readonly Scenario[] = ['check', 'floor', 'ingest', 'decide', 'delivery'];

export interface BenchOptions {
  quick: boolean;
  /** Seeded user counts, ascending: check and floor run at each (the issue: 1,000 and 100,000). */
  users: number[];
  scenarios: Set<Scenario>;
  /** Measured seconds of every check and floor run, after `warmupSeconds` unmeasured. */
  checkSeconds: number;
  warmupSeconds: number;
  /** Concurrent HTTP/1.1 connections of the load generator (closed loop: each waits for its answer). */
  connections: number;
  /** Seeded HRV history: samples per user per day over the past week. */
  samplesPerDay: number;
  ingestRate: number;
  ingestSeconds: number;
  ingestBatch: number;
  ingestUsers: number;
  decideUsers: number;
  decideConcurrency: number;
  /** delivery: users with a device, on Day 4 in a running high-stakes meeting (the population pushes go to). */
  deliveryUsers: number;
  /** delivery: uploads with an HRV drop (each a different user) and their rate per second. */
  deliveryDrops: number;
  deliveryRate: number;
  /** delivery: users with a stale reading whose high-stakes event starts during the run (reading requests). */
  deliveryEventUsers: number;
  /** delivery: live streams open at once on the gateway, how many per user, and users sent a transition meanwhile. */
  streams: number;
  streamsPerUser: number;
  streamTransitions: number;
  /**
   * Development mode's mock providers, quietened (no backfill, calendar or stream); off by default
   * (MOCK_PROVIDERS=false): even quiet, every 5 s they walk every known user (a query and a transaction per
   * user) and give each user without a mock reading one — 100,000 HRV events after a seed of 100,000 users.
   */
  mocks: boolean;
  /** More Node.js arguments for every service (experiments, e.g. V8 heap limits). */
  nodeArgs: string[];
  /** The floor's reads: one prepared statement, or the state engine's three (an experiment). */
  floorQueries: 1 | 3;
  /** Run the services under `node --cpu-prof` and summarise where their time went. */
  profile: boolean;
  keepTemp: boolean;
}

const usage = `npm run bench [-- options]
  --quick                 smoke run of about a minute (small users, short runs)
  --users=1000,100000     seeded user counts (check and floor run at each)       BENCH_USERS
  --only=check,floor,...  scenarios: check, floor, ingest, decide, delivery      BENCH_ONLY
  --check-seconds=20      measured seconds per check/floor run                   BENCH_CHECK_SECONDS
  --warmup-seconds=3      unmeasured seconds before each (×3 before the first)   BENCH_WARMUP_SECONDS
  --connections=32        load generator connections                             BENCH_CONNECTIONS
  --samples-per-day=4     seeded HRV history density                             BENCH_SAMPLES_PER_DAY
  --ingest-rate=5000      HealthKit samples per second offered                   BENCH_INGEST_RATE
  --ingest-seconds=15     how long uploads run (per ingest run)                  BENCH_INGEST_SECONDS
  --ingest-batch=20       samples per upload                                     BENCH_INGEST_BATCH
  --ingest-users=10000    users uploading (per ingest run)                       BENCH_INGEST_USERS
  --decide-users=1000     users in the brake → Delay loop                        BENCH_DECIDE_USERS
  --decide-concurrency=32 users in flight at once                                BENCH_DECIDE_CONCURRENCY
  --delivery-users=10000  users with a device (pushes after an HRV drop)       BENCH_DELIVERY_USERS
  --delivery-drops=1000   uploads with an HRV drop, each a different user        BENCH_DELIVERY_DROPS
  --delivery-rate=50      drop uploads per second                                BENCH_DELIVERY_RATE
  --delivery-event-users=1000 users whose event starts with a stale reading      BENCH_DELIVERY_EVENT_USERS
  --streams=10000         live streams open at once on the gateway              BENCH_STREAMS
  --streams-per-user=2    streams per user (the gateway allows 5)               BENCH_STREAMS_PER_USER
  --stream-transitions=200 users sent a transition while the streams are open   BENCH_STREAM_TRANSITIONS
  --mocks                 keep development mode's mock providers on (quietened); off by default
  --node-args="…"         more Node.js arguments for every service (experiments)  BENCH_NODE_ARGS
  --floor-queries=3       the floor reads as the state engine does (experiment)  BENCH_FLOOR_QUERIES
  --profile               services under node --cpu-prof; hot spots in the report
  --keep                  keep the temporary data directory`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      users: { type: 'string' },
      only: { type: 'string' },
      'check-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      connections: { type: 'string' },
      'samples-per-day': { type: 'string' },
      'ingest-rate': { type: 'string' },
      'ingest-seconds': { type: 'string' },
      'ingest-batch': { type: 'string' },
      'ingest-users': { type: 'string' },
      'decide-users': { type: 'string' },
      'decide-concurrency': { type: 'string' },
      'delivery-users': { type: 'string' },
      'delivery-drops': { type: 'string' },
      'delivery-rate': { type: 'string' },
      'delivery-event-users': { type: 'string' },
      streams: { type: 'string' },
      'streams-per-user': { type: 'string' },
      'stream-transitions': { type: 'string' },
      mocks: { type: 'boolean', default: false },
      'node-args': { type: 'string' },
      'floor-queries': { type: 'string' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const quick = values.quick || env.BENCH_QUICK === '1';
  const pick = (flag: keyof typeof values, name: string, full: number, small: number): number => {
    const raw = (values[flag] as string | undefined) ?? env[name];
    const value = raw === undefined ? (quick ? small : full) : Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} / ${name} must be a positive number, got ${raw}`);
    return value;
  };
  const usersRaw = values.users ?? env.BENCH_USERS;
  const users = usersRaw ? usersRaw.split(',').map((u) => Number(u.trim())) : quick ? [1_000, 5_000] : [1_000, 100_000];
  if (users.some((u) => !Number.isInteger(u) || u < 10)) throw new Error(`--users must be integers ≥ 10, got ${usersRaw}`);
  const onlyRaw = values.only ?? env.BENCH_ONLY;
  const scenarios = new Set((onlyRaw ? onlyRaw.split(',').map((s) => s.trim()) : allScenarios) as Scenario[]);
  for (const s of scenarios) if (!allScenarios.includes(s)) throw new Error(`unknown scenario ${s}; one of ${allScenarios.join(', ')}`);
  return {
    quick,
    users: [...users].sort((a, b) => a - b),
    scenarios,
    checkSeconds: pick('check-seconds', 'BENCH_CHECK_SECONDS', 20, 3),
    warmupSeconds: pick('warmup-seconds', 'BENCH_WARMUP_SECONDS', 3, 1),
    connections: pick('connections', 'BENCH_CONNECTIONS', 32, 32),
    samplesPerDay: pick('samples-per-day', 'BENCH_SAMPLES_PER_DAY', 4, 4),
    ingestRate: pick('ingest-rate', 'BENCH_INGEST_RATE', 5_000, 500),
    ingestSeconds: pick('ingest-seconds', 'BENCH_INGEST_SECONDS', 15, 4),
    ingestBatch: pick('ingest-batch', 'BENCH_INGEST_BATCH', 20, 20),
    ingestUsers: pick('ingest-users', 'BENCH_INGEST_USERS', 10_000, 500),
    decideUsers: pick('decide-users', 'BENCH_DECIDE_USERS', 1_000, 100),
    decideConcurrency: pick('decide-concurrency', 'BENCH_DECIDE_CONCURRENCY', 32, 16),
    deliveryUsers: pick('delivery-users', 'BENCH_DELIVERY_USERS', 10_000, 1_000),
    deliveryDrops: pick('delivery-drops', 'BENCH_DELIVERY_DROPS', 1_000, 200),
    deliveryRate: pick('delivery-rate', 'BENCH_DELIVERY_RATE', 50, 50),
    deliveryEventUsers: pick('delivery-event-users', 'BENCH_DELIVERY_EVENT_USERS', 1_000, 200),
    streams: pick('streams', 'BENCH_STREAMS', 10_000, 1_000),
    streamsPerUser: pick('streams-per-user', 'BENCH_STREAMS_PER_USER', 2, 2),
    streamTransitions: pick('stream-transitions', 'BENCH_STREAM_TRANSITIONS', 200, 50),
    mocks: values.mocks || env.BENCH_MOCKS === '1',
    nodeArgs: (values['node-args'] ?? env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    floorQueries: (values['floor-queries'] ?? env.BENCH_FLOOR_QUERIES) === '3' ? 3 : 1,
    profile: values.profile || env.BENCH_PROFILE === '1',
    keepTemp: values.keep,
  };
}
