import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { startDevBroker, type DevBroker } from './broker.ts';
import { buildLauncher } from './build.ts';

// The mock holds an empty fetch for the full maxWaitTimeInMs (new data does not end it early) and kafkajs
// only heartbeats between fetches, so fetch waits stay short. The session timeout must outlast the mock's
// 3 s initial-join delay, and a rebalance after a member leaves waits sessionTimeout - 1 s.
const consumerTuning = { sessionTimeout: 4_000, heartbeatInterval: 250, maxWaitTimeInMs: 100 };
// Set per test: a multi-project jest run ignores testTimeout from the project preset.
const groupTestTimeoutMs = 20_000;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const text = (value: Buffer | string | null | undefined) => value?.toString() ?? null;

describe('dev broker with kafkajs', () => {
  let broker: DevBroker;
  let kafka: Kafka;
  let producer: Producer;
  let opened: Array<Consumer | Admin> = [];

  beforeAll(async () => {
    broker = await startDevBroker({
      topics: [
        { name: 'round-trip', partitions: 2 },
        { name: 'grouped', partitions: 4 },
        { name: 'ordered', partitions: 3 },
      ],
    });
    kafka = new Kafka({ clientId: 'dev-broker-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(opened.map((client) => client.disconnect()));
    opened = [];
  });

  afterAll(async () => {
    await producer?.disconnect();
    await broker?.stop();
  });

  function consumer(groupId: string): Consumer {
    const created = kafka.consumer({ groupId, ...consumerTuning });
    opened.push(created);
    return created;
  }

  it('round-trips keys, values and headers', async () => {
    const received: KafkaMessage[] = [];
    const reader = consumer('round-trip-reader');
    await reader.connect();
    await reader.subscribe({ topic: 'round-trip', fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void received.push(message) });

    await producer.send({
      topic: 'round-trip',
      messages: ['u-1', 'u-2', 'u-3'].map((key, i) => ({
        key,
        value: `payload-${i}`,
        headers: { 'event-id': `e-${i}`, 'event-type': 'hrv.recorded', traceparent: `00-${i}` },
      })),
    });
    await waitFor(() => received.length === 3, '3 messages');

    const seen = received
      .map((m) => ({
        key: text(m.key),
        value: text(m.value),
        headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, text(v as Buffer)])),
      }))
      .sort((a, b) => String(a.key).localeCompare(String(b.key)));
    expect(seen).toEqual(
      [0, 1, 2].map((i) => ({
        key: `u-${i + 1}`,
        value: `payload-${i}`,
        headers: { 'event-id': `e-${i}`, 'event-type': 'hrv.recorded', traceparent: `00-${i}` },
      })),
    );
  }, groupTestTimeoutMs);

  it('splits partitions across a group and hands them over on leave, honouring committed offsets', async () => {
    type Seen = { member: string; value: string; partition: number };
    const seen: Seen[] = [];
    const assignment = new Map<string, number[]>();
    const commits = new Map<string, boolean>([
      ['first', true],
      ['second', true],
    ]);

    const members = new Map<string, Consumer>();
    for (const name of ['first', 'second']) {
      const member = consumer('grouped-readers');
      member.on(member.events.GROUP_JOIN, ({ payload }) => {
        assignment.set(name, [...(payload.memberAssignment['grouped'] ?? [])].sort());
      });
      members.set(name, member);
    }
    // Join together so both land in the mock's first 3 s join window instead of paying a second rebalance.
    await Promise.all(
      [...members].map(async ([name, member]) => {
        await member.connect();
        await member.subscribe({ topic: 'grouped', fromBeginning: true });
        await member.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            if (commits.get(name)) {
              await member.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]);
            }
            seen.push({ member: name, value: text(message.value) ?? '', partition });
          },
        });
      }),
    );

    await waitFor(() => {
      const [a = [], b = []] = [assignment.get('first'), assignment.get('second')];
      return a.length > 0 && b.length > 0 && new Set([...a, ...b]).size === 4 && a.length + b.length === 4;
    }, 'both members to share the 4 partitions');
    expect(assignment.get('first')).toHaveLength(2);
    const firstPartitions = assignment.get('first') ?? [];

    const produceRound = (round: string) =>
      producer.send({
        topic: 'grouped',
        messages: [0, 1, 2, 3].map((partition) => ({ partition, key: `k-${partition}`, value: `${round}-${partition}` })),
      });
    const valuesOf = (round: string) => seen.filter((s) => s.value.startsWith(`${round}-`));

    await produceRound('a'); // handled and committed by whoever owns the partition
    await waitFor(() => valuesOf('a').length === 4, 'round a');
    commits.set('first', false);
    await produceRound('b'); // the first member handles its share without committing
    await waitFor(() => valuesOf('b').length === 4, 'round b');

    await members.get('first')?.disconnect();
    await waitFor(() => assignment.get('second')?.length === 4, 'the second member to take all partitions');
    await produceRound('c');
    await waitFor(() => valuesOf('c').length === 4, 'round c');

    expect(valuesOf('a')).toHaveLength(4); // committed: never redelivered
    const redelivered = valuesOf('b').filter((s) => s.member === 'second' && firstPartitions.includes(s.partition));
    expect(redelivered.map((s) => s.value).sort()).toEqual(firstPartitions.map((p) => `b-${p}`));
    expect(valuesOf('b')).toHaveLength(6); // 4 first deliveries + the first member's 2 uncommitted ones
    expect(valuesOf('c').every((s) => s.member === 'second')).toBe(true);
  }, groupTestTimeoutMs);

  it('keeps per-key order within a partition', async () => {
    const keys = ['user-a', 'user-b', 'user-c', 'user-d', 'user-e'];
    const perKey = 20;
    const received: Array<{ key: string; seq: number; partition: number; offset: bigint }> = [];
    const reader = consumer('ordered-reader');
    await reader.connect();
    await reader.subscribe({ topic: 'ordered', fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) =>
        void received.push({
          key: text(message.key) ?? '',
          seq: Number(text(message.value)),
          partition,
          offset: BigInt(message.offset),
        }),
    });

    // Keys interleave inside each batch, and batches follow one another.
    for (let batch = 0; batch < 4; batch++) {
      const messages = [];
      for (let seq = batch * 5; seq < (batch + 1) * 5; seq++) {
        for (const key of keys) messages.push({ key, value: String(seq) });
      }
      await producer.send({ topic: 'ordered', messages });
    }
    await waitFor(() => received.length === keys.length * perKey, 'all ordered messages');

    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
    for (const key of keys) {
      const mine = received.filter((r) => r.key === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      expect(mine.map((r) => r.seq)).toEqual(Array.from({ length: perKey }, (_, i) => i));
      expect(mine.every((r, i) => i === 0 || r.offset > (mine[i - 1]?.offset ?? -1n))).toBe(true);
    }
  }, groupTestTimeoutMs);

  it('auto-creates an unknown topic on first use with 4 partitions', async () => {
    const admin = kafka.admin();
    opened.push(admin);
    await admin.connect();
    await producer.send({ topic: 'never-declared', messages: [{ value: 'x' }] });

    const metadata = await admin.fetchTopicMetadata({ topics: ['never-declared'] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
  });
});

describe('dev broker ports', () => {
  async function freePort(): Promise<number> {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    return port;
  }

  it('listens on the requested port', async () => {
    const port = await freePort();
    const broker = await startDevBroker({ topics: [{ name: 'pinned', partitions: 1 }], port });
    try {
      expect(broker.brokers).toEqual([`127.0.0.1:${port}`]);
      const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).toContain('pinned');
      } finally {
        await admin.disconnect();
      }
    } finally {
      await broker.stop();
    }
  });

  it('fails with a readable reason when the port is taken', async () => {
    const occupant = createServer().listen(0, '127.0.0.1');
    await once(occupant, 'listening');
    try {
      const { port } = occupant.address() as AddressInfo;
      await expect(startDevBroker({ topics: [], port })).rejects.toThrow(`cannot listen on port ${port}`);
    } finally {
      occupant.close();
    }
  });
});

// Its own broker: these tests take it down and make it fail, which would disturb anyone sharing it.
describe('dev broker fault injection', () => {
  const produceApiKey = 0;
  const notLeaderForPartition = 6;
  let broker: DevBroker;
  let producer: Producer; // kafkajs defaults: retries what is retriable
  let fragile: Producer; // no retries and short timeouts, so a fault surfaces as a failed send
  let opened: Consumer[] = [];

  beforeAll(async () => {
    broker = await startDevBroker({
      topics: ['outage', 'slow', 'refused', 'retried'].map((name) => ({ name, partitions: 1 })),
    });
    const options = { clientId: 'dev-broker-faults', brokers: broker.brokers, logLevel: logLevel.NOTHING };
    producer = new Kafka(options).producer();
    fragile = new Kafka({ ...options, requestTimeout: 1_000, connectionTimeout: 500, retry: { retries: 0 } }).producer({
      retry: { retries: 0 },
    });
    await Promise.all([producer.connect(), fragile.connect()]);
  });

  afterEach(async () => {
    await Promise.all(opened.map((client) => client.disconnect()));
    opened = [];
    // Whatever a failed test left behind, the next one starts on a healthy broker.
    await broker.faults.brokerUp(1);
    await broker.faults.setRtt(1, 0);
  });

  afterAll(async () => {
    await Promise.all([producer?.disconnect(), fragile?.disconnect()]);
    await broker?.stop();
  });

  const send = (through: Producer, topic: string, value: string) => through.send({ topic, messages: [{ value }] });

  it('refuses produces while a broker is down and serves the whole log once it is back', async () => {
    await send(producer, 'outage', 'before-1');
    await send(producer, 'outage', 'before-2');

    await broker.faults.brokerDown(1);
    await expect(send(fragile, 'outage', 'during')).rejects.toThrow(/Connection/);

    await broker.faults.brokerUp(1);
    await send(producer, 'outage', 'after-1');
    const values: string[] = [];
    const reader = kafkaConsumer('outage-reader');
    await reader.connect();
    await reader.subscribe({ topic: 'outage', fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void values.push(text(message.value) ?? '') });
    await waitFor(() => values.length >= 3, '3 messages');
    expect(values).toEqual(['before-1', 'before-2', 'after-1']);
  }, groupTestTimeoutMs);

  it('delays responses by the round-trip time', async () => {
    await send(producer, 'slow', 'warm-up'); // metadata and connection in place: the timed send is one Produce
    await broker.faults.setRtt(1, 500);
    const started = performance.now();
    await send(producer, 'slow', 'delayed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('fails the next request of an API with a pushed error, once', async () => {
    await send(fragile, 'refused', 'warm-up');
    await broker.faults.pushRequestErrors(produceApiKey, [notLeaderForPartition]);
    await expect(send(fragile, 'refused', 'refused')).rejects.toThrow('not the leader for that topic-partition');
    await expect(send(fragile, 'refused', 'accepted')).resolves.toHaveLength(1);
  });

  it('lets kafkajs retry past a pushed retriable error', async () => {
    let produceRequests = 0;
    const stopCounting = producer.on(producer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Produce') produceRequests++;
    });
    try {
      await send(producer, 'retried', 'warm-up');
      produceRequests = 0;
      await broker.faults.pushRequestErrors(produceApiKey, [notLeaderForPartition]);
      const [result] = await send(producer, 'retried', 'retried');
      expect(result?.errorCode).toBe(0);
      expect(produceRequests).toBe(2); // the refused request and its retry
    } finally {
      stopCounting();
    }
  });

  it('rejects bad commands with the launcher\'s reason and keeps later answers matched', async () => {
    const results = await Promise.allSettled([
      broker.faults.brokerDown(9),
      broker.faults.send('reboot 1'),
      broker.faults.setRtt(1, 0),
      broker.faults.pushRequestErrors(produceApiKey, []),
      broker.faults.setRtt(1, -5),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'OK'))).toEqual([
      'Error: dev-broker: down 9: broker 9: Broker: Broker not available',
      expect.stringContaining('dev-broker: reboot 1: usage: down <broker_id>'),
      'OK',
      expect.stringContaining('dev-broker: errors 0: usage:'),
      'Error: dev-broker: rtt 1 -5: rtt must be a whole number of milliseconds',
    ]);
    await expect(broker.faults.send('down 1\nup 1')).rejects.toThrow('one non-blank line');
  });

  it('rejects commands once the launcher has exited', async () => {
    const stopped = await startDevBroker({ topics: [] });
    await stopped.stop();
    await expect(stopped.faults.brokerUp()).rejects.toThrow('dev-broker: up 1: the launcher exited');
  });

  function kafkaConsumer(groupId: string): Consumer {
    const created = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).consumer({
      groupId,
      ...consumerTuning,
    });
    opened.push(created);
    return created;
  }
});

describe('dev broker launcher protocol', () => {
  it('answers commands split across reads and several in one read, and exits at stdin EOF', async () => {
    const child = spawn(await buildLauncher(), ['protocol:1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const lines: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
    try {
      await waitFor(() => lines.length === 1, 'BOOTSTRAP', 5_000);
      child.stdin.write('down 1\nup 1\n\nrt'); // two commands, a blank line (no answer) and half a third
      await waitFor(() => lines.length === 3, 'two answers', 5_000);
      child.stdin.write('t 1 0\r\nnope\n');
      await waitFor(() => lines.length === 5, 'two more answers', 5_000);
      expect(lines.slice(1)).toEqual(['OK down 1', 'OK up 1', 'OK rtt 1 0', expect.stringMatching(/^ERR usage: /)]);
      child.stdin.end();
      expect(await exited).toEqual([0, null]);
    } finally {
      child.kill('SIGKILL'); // no-op once it exited
    }
  });
});
