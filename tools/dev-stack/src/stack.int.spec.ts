import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { service as grpcHealthService } from 'grpc-health-check';
import { eventually } from '@omtobe/testing';
import { waitUntilServing } from './health.ts';
import { services } from './services.ts';
import type { ServicePorts } from './stack.ts';
import { startTestStack, type RunningTestStack } from './test-stack.ts';
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
  let stack: RunningTestStack;
  let ports: ServicePorts;

  beforeAll(async () => {
    stack = await startTestStack();
    ports = stack.ports;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
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

  it('listens on 127.0.0.1 only: no service answers on this machine’s network address', async () => {
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
    const reach = (host: string, port: number) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host, port, timeout: 2_000 });
        socket.once('connect', () => (socket.destroy(), resolve('open')));
        socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    for (const s of services) expect([s.name, await reach('127.0.0.1', ports[s.name])]).toEqual([s.name, 'open']);
    if (address === undefined) return; // a machine with loopback alone: nothing else to reach
    for (const s of services) expect([s.name, await reach(address, ports[s.name])]).not.toEqual([s.name, 'open']);
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

  // Last of this stack's tests, for it stops the stack; the others leave it as they found it, so any of them
  // (this one too) passes run alone.
  it('reports a stopped service as a 503 naming it, and each service exits 0 on SIGTERM', async () => {
    // A registered user (history is 404 for anyone else), made while every service runs.
    const minted = await fetch(`http://127.0.0.1:${ports.gateway}/api/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'someone' }),
    });
    const { access_token: token } = (await minted.json()) as { access_token: string };
    const registered = await fetch(`http://127.0.0.1:${ports.gateway}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ email: 'someone@example.com', timezone: 'Europe/London' }),
    });
    expect(registered.status).toBe(201);

    const decisionLog = stack.group.child('decision-log')!;
    const exited = once(decisionLog, 'exit');
    decisionLog.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);

    // The gateway answers health from a report up to a second old: polled until the report has the stop in it.
    const response = await eventually(() => fetch(`http://127.0.0.1:${ports.gateway}/api/v1/health`), (r) => r.status !== 200, { timeoutMs: 10_000, intervalMs: 100 });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; services: Record<string, string> };
    expect(body.status).toBe('degraded');
    expect(body.services['decision-log']).toBe('UNREACHABLE');
    expect(body.services['state-engine']).toBe('SERVING');

    // A call that needs the stopped service gets a clear 503 naming it, not a 500.
    const history = await fetch(`http://127.0.0.1:${ports.gateway}/api/v1/decisions/history`, { headers: { authorization: `Bearer ${token}` } });
    expect(history.status).toBe(503);
    expect(await history.json()).toEqual({
      error: { code: 'dependency_unavailable', message: expect.any(String), details: [{ service: 'decision-log' }] },
    });

    await stack.group.stopAll();
    expect(stack.group.exitCodes()).toEqual({ 'state-engine': 0, 'decision-log': 0, integrations: 0, gateway: 0 });
  });
});

describe('the four services supervised, as npm start runs them', () => {
  let stack: RunningTestStack;

  beforeAll(async () => {
    stack = await startTestStack({}, { restart: { initialDelayMs: 100 } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('restarts a killed decision-log, which reports SERVING again on the same port', async () => {
    const killed = stack.group.child('decision-log')!;
    const restartsBefore = stack.group.restarts('decision-log');
    const exited = once(killed, 'exit');
    killed.kill('SIGKILL');
    await exited;

    // Only the restarted process can answer: the killed one no longer holds the port.
    await waitUntilServing('decision-log', stack.ports['decision-log'], 20_000, new AbortController().signal);
    expect(stack.group.restarts('decision-log')).toBe(restartsBefore + 1);
    expect(stack.group.child('decision-log')!.pid).not.toBe(killed.pid);
  });

  it('keeps accepting a development token after the gateway was killed and restarted', async () => {
    const api = `http://127.0.0.1:${stack.ports.gateway}/api/v1`;
    const minted = await fetch(`${api}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'kept' }) });
    const { access_token: token } = (await minted.json()) as { access_token: string };
    const killed = stack.group.child('gateway')!;
    const exited = once(killed, 'exit');
    killed.kill('SIGKILL');
    await exited;
    await waitUntilServing('gateway', stack.ports.gateway, 20_000, new AbortController().signal);

    // The signing key lives in the gateway's database, not in the process: the token is still good (404 for an
    // unregistered user, where a new key would have made it 401 invalid_token).
    const state = await fetch(`${api}/state`, { headers: { authorization: `Bearer ${token}` } });
    expect(state.status).toBe(404);
    expect(((await state.json()) as { error: { code: string } }).error.code).toBe('user_not_registered');
  });
});
