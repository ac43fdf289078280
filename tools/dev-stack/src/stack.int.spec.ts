import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { service as grpcHealthService } from 'grpc-health-check';
import { createTestDatabase, findFreePort, testKafkaBrokers } from '@omtobe/testing';
import { ProcessGroup } from './process-group.ts';
import { services } from './services.ts';
import { startServices, type ServicePorts } from './stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HealthClient = grpc.makeGenericClientConstructor(grpcHealthService, 'Health');

/** grpc.health.v1.Health/Check with a plain @grpc/grpc-js client (not Connect). */
function grpcHealthCheck(port: number): Promise<string> {
  const client = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.check!({ service: '' }, { deadline: Date.now() + 5_000 }, (err: Error | null, reply: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(reply.status);
    });
  });
}

describe('the four services as processes', () => {
  const group = new ProcessGroup({ printLogs: process.env.TEST_LOG_LEVEL !== undefined });
  const stopping = new AbortController();
  let ports: ServicePorts;
  let dropDatabase: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase('stack');
    dropDatabase = database.drop;
    const freePorts = await Promise.all(services.map(() => findFreePort()));
    ports = await startServices({
      root,
      group,
      stopping: stopping.signal,
      ports: Object.fromEntries(services.map((s, i) => [s.name, freePorts[i]])),
      env: {
        ...process.env,
        OMTOBE_MODE: 'development',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_TOPIC_PREFIX: `t${randomUUID().slice(0, 8)}.`,
        KAFKA_MAX_WAIT_MS: '100',
        KAFKA_SESSION_TIMEOUT_MS: '4000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    stopping.abort();
    await group.stopAll();
    await dropDatabase?.();
  });

  it('each answers grpc.health.v1 Check with SERVING to a plain grpc-js client', async () => {
    const statuses = await Promise.all(services.map(async (s) => [s.name, await grpcHealthCheck(ports[s.name])]));
    expect(Object.fromEntries(statuses)).toEqual({
      'state-engine': 'SERVING',
      'decision-log': 'SERVING',
      integrations: 'SERVING',
      gateway: 'SERVING',
    });
  });

  it('answers a Connect JSON call over HTTP/1.1, as curl makes it', async () => {
    const response = await fetch(`http://127.0.0.1:${ports['state-engine']}/grpc.health.v1.Health/Check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'SERVING' });
  });

  it('reports every service through the gateway at GET /api/v1/health', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.gateway}/api/v1/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; services: Record<string, string> };
    expect(body.status).toBe('ok');
    expect(body.services).toEqual({
      gateway: 'SERVING',
      'state-engine': 'SERVING',
      'decision-log': 'SERVING',
      integrations: 'SERVING',
    });
  });

  it('reports a stopped service as a 503 naming it, and each service exits 0 on SIGTERM', async () => {
    const decisionLog = group.child('decision-log')!;
    const exited = once(decisionLog, 'exit');
    decisionLog.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);

    const response = await fetch(`http://127.0.0.1:${ports.gateway}/api/v1/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; services: Record<string, string> };
    expect(body.status).toBe('degraded');
    expect(body.services['decision-log']).toBe('UNREACHABLE');
    expect(body.services['state-engine']).toBe('SERVING');

    stopping.abort();
    await group.stopAll();
    expect(group.exitCodes()).toEqual({ 'state-engine': 0, 'decision-log': 0, integrations: 0, gateway: 0 });
  });
});
