import { afterEach, describe, expect, it } from '@jest/globals';
import { systemClock } from '@omtobe/platform';
import type { Deps } from '../src/operations/deps.ts';
import { toHttpError } from '../src/rest/errors.ts';
import { silentLogger } from './in-memory-deps.ts';
import { serveRestApp } from './serve-rest.ts';

// The answers that never reach a route handler, where the REST app is all there is: the app is served by
// its own request handler on a real socket, with peers that do not answer.
const unreachable = { check: async () => Promise.reject(new Error('connection refused')) };

function serve() {
  const deps = { db: undefined, clock: systemClock, logger: silentLogger, peers: { health: [{ name: 'state-engine', client: unreachable }] } } as unknown as Deps;
  return serveRestApp({ deps });
}

async function envelopeOf(response: Response) {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  expect(Array.isArray(body.error?.details)).toBe(true);
  return { status: response.status, body };
}

describe('the REST error envelope outside route handlers', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('answers a degraded health check with 503 in the envelope, naming what is not serving, the report beside it', async () => {
    const app = await serve();
    stop = app.close;
    const response = await fetch(`${app.url}/api/v1/health`);
    expect(response.headers.get('retry-after')).toBe('5');
    const answer = await envelopeOf(response);
    expect(answer).toMatchObject({
      status: 503,
      body: { error: { code: 'dependency_unavailable', details: [{ service: 'state-engine', status: 'UNREACHABLE' }] }, status: 'degraded', services: { gateway: 'SERVING', 'state-engine': 'UNREACHABLE' } },
    });
  });

  it('answers a request that reaches a closing app with 503 in the envelope, not fastify’s own body', async () => {
    const app = await serve();
    stop = app.close;
    await app.rest.app.close();
    const answer = await envelopeOf(await fetch(`${app.url}/api/v1/state`, { headers: { authorization: 'Bearer x' } }));
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'dependency_unavailable', details: [{ service: 'gateway' }] } } });
  });

  it('names fastify’s client errors by their status, and hides anything else behind 500 internal', () => {
    const fastifyError = (statusCode: number, code: string) => Object.assign(new Error(code), { statusCode, code });
    const mapped = [400, 404, 405, 408, 413, 414, 415, 429, 431, 418].map((s) => [s, toHttpError(fastifyError(s, `FST_ERR_${s}`), silentLogger)]);
    expect(mapped.map(([s, e]) => [s, (e as { status: number }).status, (e as { code: string }).code])).toEqual([
      [400, 400, 'invalid_request'],
      [404, 404, 'not_found'],
      [405, 405, 'method_not_allowed'],
      [408, 408, 'request_timeout'],
      [413, 413, 'payload_too_large'],
      [414, 414, 'uri_too_long'],
      [415, 415, 'unsupported_media_type'],
      [429, 429, 'rate_limited'],
      [431, 431, 'headers_too_large'],
      [418, 418, 'invalid_request'],
    ]);
    expect(toHttpError(fastifyError(500, 'FST_ERR_ASYNC_CONSTRAINT'), silentLogger)).toEqual({ status: 500, code: 'internal', message: 'internal error', details: [] });
  });
});
