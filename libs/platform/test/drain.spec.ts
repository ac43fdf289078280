import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createServiceClient } from '../src/clients.ts';
import { startTestServer, waitFor } from './support.ts';

/** Outcome of one call the client made: answered, or refused before the server took it. */
type Outcome = { id: string; ok: true } | { id: string; ok: false; error: unknown };

/**
 * A client keeps calling (one new call every few ms, each taking ~60 ms in the handler) while the
 * server drains. Every call the handler accepted must be answered; every other call must fail as a
 * connection-level refusal; the two sets must account for every call made.
 */
async function drainUnderLoad(
  call: (baseUrl: string, id: string) => Promise<void>,
  isRefusal: (error: unknown) => boolean,
): Promise<{ accepted: number; refused: number; inFlightAtClose: number }> {
  const accepted = new Set<string>();
  const completedByHandler = new Set<string>();
  const t = await startTestServer({
    async checkBrake(request) {
      accepted.add(request.userId);
      await new Promise((resolve) => setTimeout(resolve, 60));
      completedByHandler.add(request.userId);
      return { shouldDisplay: false };
    },
  });

  const outcomes: Promise<Outcome>[] = [];
  let next = 0;
  const fire = () => {
    const id = `call-${next++}`;
    outcomes.push(call(t.baseUrl, id).then(
      () => ({ id, ok: true as const }),
      (error: unknown) => ({ id, ok: false as const, error }),
    ));
  };
  const load = setInterval(fire, 3);
  await waitFor(() => completedByHandler.size >= 5); // some answered, more running

  const inFlightAtClose = accepted.size - completedByHandler.size;
  const closed = t.server.close(5_000);
  await closed;
  fire(); // after close resolved: must be refused
  const afterClose = outcomes.length;
  await waitFor(() => outcomes.length >= afterClose + 5); // and a few more
  clearInterval(load);

  const settled = await Promise.all(outcomes);
  const answered = settled.filter((o) => o.ok).map((o) => o.id);
  const failed = settled.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);

  expect(new Set(answered)).toEqual(accepted); // none accepted is lost, none answered unaccepted
  for (const failure of failed) {
    expect(accepted.has(failure.id)).toBe(false);
    expect({ id: failure.id, error: String(failure.error), refusal: isRefusal(failure.error) }).toEqual({
      id: failure.id,
      error: String(failure.error),
      refusal: true,
    });
  }
  expect(answered.length + failed.length).toBe(settled.length);
  expect(failed.length).toBeGreaterThanOrEqual(6);
  await expectPortClosed(t.port);
  return { accepted: accepted.size, refused: failed.length, inFlightAtClose };
}

/** The `code` of the innermost cause, e.g. ECONNREFUSED. */
function rootCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; typeof e === 'object' && e !== null; e = e.cause as typeof e) {
    if (typeof e.code === 'string') code = e.code;
    if (e.cause === e) break;
  }
  return code;
}

function expectPortClosed(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => reject(new Error('port still accepts connections')));
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve() : reject(error)));
  });
}

describe('graceful shutdown', () => {
  it('gRPC over HTTP/2: answers every accepted call and refuses the rest', async () => {
    let client: Client<typeof StateEngineService> | undefined;
    const result = await drainUnderLoad(
      async (baseUrl, id) => {
        client ??= createServiceClient(StateEngineService, { baseUrl }); // one HTTP/2 connection for all calls
        await client.checkBrake({ userId: id });
      },
      // connect-node maps ECONNREFUSED to Unavailable by `instanceof Error`, which fails under jest for
      // errors from Node's own realm (outside jest the code is Unavailable): accept the root cause too.
      (error) => ConnectError.from(error).code === Code.Unavailable || rootCode(error) === 'ECONNREFUSED',
    );
    expect(result.inFlightAtClose).toBeGreaterThan(0);
  });

  it('Connect JSON over HTTP/1.1 keep-alive: answers every accepted call and refuses the rest', async () => {
    const result = await drainUnderLoad(
      async (baseUrl, id) => {
        const response = await fetch(`${baseUrl}/omtobe.state_engine.v1.StateEngineService/CheckBrake`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: id }),
        });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        await response.json();
      },
      // undici reports a refused or reset connection as "fetch failed" with the socket error as cause
      (error) => (error as Error).message === 'fetch failed' && ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(rootCode(error) ?? ''),
    );
    expect(result.inFlightAtClose).toBeGreaterThan(0);
  });

  it('ends health Watch streams when the drain begins instead of waiting for the deadline', async () => {
    const t = await startTestServer({});
    t.health.setStatus('SERVING');
    const health = createClient(Health, createGrpcTransport({ baseUrl: t.baseUrl }));
    const statuses: number[] = [];
    const watching = (async () => {
      for await (const response of health.watch({ service: '' })) statuses.push(response.status);
    })();
    await waitFor(() => statuses.length === 1);
    t.health.enterShutdown(); // what runService does before stopping the server
    await waitFor(() => statuses.length === 2);
    const started = performance.now();
    await t.server.close(10_000);
    await watching; // ends OK, not with an error
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(statuses).toEqual([1, 2]); // SERVING, NOT_SERVING
  });

  it('at the deadline aborts the handlers still running, answers them Unavailable and closes', async () => {
    let entered = false;
    let handlerSawAbort = false;
    const t = await startTestServer({
      async checkBrake(_request, context) {
        entered = true;
        // A handler that would run far past the deadline, but watches its signal as handlers should.
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        handlerSawAbort = true;
        throw context.signal.reason;
      },
    });
    const client = createServiceClient(StateEngineService, { baseUrl: t.baseUrl, timeoutMs: 30_000 });
    const call = client.checkBrake({ userId: 'slow' }).catch((e: unknown) => ConnectError.from(e));
    await waitFor(() => entered);
    const started = performance.now();
    await t.server.close(100);
    const elapsed = performance.now() - started;
    expect(handlerSawAbort).toBe(true);
    expect(await call).toMatchObject({ code: Code.Unavailable, rawMessage: 'server is shutting down' });
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(1_000);
    expect(t.logs.find((l) => l.msg?.startsWith('drain deadline passed'))).toMatchObject({ level: 'warn', cut_off: 1 });
  });
});
