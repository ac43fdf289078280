import { Writable } from 'node:stream';
import { ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { HealthRegistry } from '../src/health.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import { createServer, type Server } from '../src/server.ts';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A logger whose JSON lines the test can read. */
export function captureLogs(level: 'info' | 'debug' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { logger: createLogger({ service: 'platform-test', level, destination }), lines };
}

export interface TestServer {
  server: Server;
  health: HealthRegistry;
  port: number;
  baseUrl: string;
  logs: LogLine[];
}

/** A real server on 127.0.0.1 and a free port, serving the given StateEngineService stubs; logs kept from debug up. */
export async function startTestServer(impl: Partial<ServiceImpl<typeof StateEngineService>>): Promise<TestServer> {
  const { logger, lines } = captureLogs('debug');
  const health = new HealthRegistry();
  const server = createServer({
    routes: (router: ConnectRouter) => router.service(StateEngineService, impl),
    port: 0,
    host: '127.0.0.1',
    logger,
    health,
  });
  const port = await server.listen();
  return { server, health, port, baseUrl: `http://127.0.0.1:${port}`, logs: lines };
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The ConnectError a call fails with; fails the test when the call succeeds. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to fail');
}
