import { setTimeout as delay } from 'node:timers/promises';

/** Asks a service's grpc.health.v1.Health/Check over Connect JSON; undefined while it does not answer. */
export async function checkHealth(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${host}:${port}/grpc.health.v1.Health/Check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(1_000),
    });
    if (!response.ok) return undefined;
    return ((await response.json()) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

/** Waits until the service reports SERVING, or fails after the deadline. */
export async function waitUntilServing(name: string, port: number, timeoutMs: number, stop: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!stop.aborted) {
    if ((await checkHealth(port)) === 'SERVING') return;
    if (Date.now() > deadline) throw new Error(`${name} did not report SERVING on port ${port} within ${timeoutMs / 1000}s`);
    await delay(200);
  }
  throw new Error('stopped while waiting for the services');
}
