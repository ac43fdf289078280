import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Producer } from 'kafkajs';
import { topics } from '@omtobe/events';
import { serviceTokenHeader, serviceTokenSignerFrom } from '@omtobe/platform';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { DecisionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { createTestDatabase, eventually, testKafkaBrokers, type TestDatabase } from '@omtobe/testing';
import { connectProducer, decisionRecorded, produceEvent } from '../test/events.ts';

/** The composition root as a process: consumers, retention and RPCs wired together. */
describe('decision-log as a process', () => {
  let database: TestDatabase;
  let producer: Producer;
  let child: ChildProcess;
  let baseUrl: string;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const serviceName = `decision-log-main-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase('decision_log_main');
    producer = await connectProducer();
    child = spawn(process.execPath, [fileURLToPath(new URL('./main.ts', import.meta.url))], {
      env: {
        ...process.env,
        OMTOBE_MODE: 'development',
        LOG_LEVEL: 'info',
        PORT: '0',
        SERVICE_NAME: serviceName,
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_MAX_WAIT_MS: '100',
        KAFKA_SESSION_TIMEOUT_MS: '4000',
        DECISION_LOG_RETENTION_DAYS: '30',
        DECISION_LOG_RETENTION_INTERVAL_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`decision-log exited with ${code} before serving`)));
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'decision-log serving' && entry.port !== undefined) resolve(entry.port);
      });
    });
    baseUrl = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    if (child?.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await producer?.disconnect();
    await database?.drop();
  });

  const gateway = serviceTokenSignerFrom({ OMTOBE_MODE: 'development', SERVICE_NAME: 'gateway' });
  const listDecisions = async (userId: string) => {
    const response = await fetch(`${baseUrl}/omtobe.decision_log.v1.DecisionLogService/ListDecisions`, {
      method: 'POST',
      // As the gateway, with its development key: the process runs in development mode without configured keys.
      headers: { 'content-type': 'application/json', [serviceTokenHeader]: gateway.token(serviceName) },
      body: JSON.stringify({ userId }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { decisions?: Array<{ decisionId: string; decision: string; cycleDay: number; decidedAt: string }> }).decisions ?? [];
  };

  it('records a decision from decisions.v1, serves it, erases it on users.v1, and exits 0 on SIGTERM', async () => {
    const userId = 'process-user';
    const recent = { id: randomUUID(), at: new Date(Date.now() - 60_000) };
    const ancient = { id: randomUUID(), at: new Date('2000-01-01T00:00:00.000Z') }; // past the 30-day retention
    // Same key, same partition: the ancient one is handled (stored) before the recent one.
    for (const row of [ancient, recent]) {
      await produceEvent(producer, prefix, topics.decisions, DecisionRecordedSchema, decisionRecorded(userId, row.id, row.at), { key: userId });
    }
    // Only the retention purge can take the ancient one away again.
    const served = await eventually(() => listDecisions(userId), (d) => d.length === 1 && d[0]!.decisionId === recent.id);
    expect(served[0]).toMatchObject({ decisionId: recent.id, decision: 'DECISION_DELAY', cycleDay: 3 });
    expect(new Date(served[0]!.decidedAt).getTime()).toBe(recent.at.getTime()); // JSON drops a zero millisecond part

    await produceEvent(producer, prefix, topics.users, UserDeletedSchema, { userId, deletedAt: timestampFromDate(new Date()) }, { key: userId });
    await eventually(() => listDecisions(userId), (d) => d.length === 0);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
