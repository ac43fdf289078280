import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { createServer, HealthRegistry, type Server } from '@omtobe/platform';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { HealthCheckResponse_ServingStatus } from '@omtobe/proto/grpc/health/v1';
import { CheckBrakeResponseSchema } from '@omtobe/proto/state-engine/v1';
import { createAuthInterceptor } from '../src/api/connect-auth.ts';
import { gatewayRoutes } from '../src/api/connect.ts';
import { createRateLimitInterceptor } from '../src/api/connect-rate-limit.ts';
import { createUserRateLimits } from '../src/limits/rate-limiter.ts';
import { createRestApp } from '../src/rest/app.ts';
import { inMemoryDeps, silentLogger as silent, verifyTestBearer as verify } from './in-memory-deps.ts';

// The gateway's one port as main.ts builds it (Connect, gRPC and the REST fallback, the same limits), in process,
// with a state engine that counts the calls reaching it and a user table where everyone is registered.
const bodyLimitBytes = 2_048;
const checkPerMinute = 4;
const anonymousPerMinute = 10;

describe('Connect and gRPC limits on the gateway', () => {
  let server: Server;
  let url: string;
  let closeRest: () => Promise<void>;
  let peerCalls = 0;
  let healthFanOuts = 0;

  beforeAll(async () => {
    const stateEngine = { checkBrake: async () => ((peerCalls += 1), create(CheckBrakeResponseSchema, { currentDay: 1 })) };
    const healthClient = { check: async () => ((healthFanOuts += 1), { status: HealthCheckResponse_ServingStatus.SERVING }) };
    // Operations look the caller's profile up before asking a service (404 user_not_registered otherwise): here everyone has one.
    const deps = inMemoryDeps({ stateEngine, health: [{ name: 'state-engine', client: healthClient }] });
    const limits = createUserRateLimits({ checkPerMinute, trackedClients: 1_000 });
    const rest = await createRestApp({ deps, health: new HealthRegistry('SERVING'), verify, bodyLimitBytes, checkPerMinute, anonymousPerMinute, rateLimitTrackedClients: 1_000, limits });
    closeRest = () => rest.app.close();
    server = createServer({
      routes: gatewayRoutes(deps),
      fallback: rest.handle as NonNullable<Parameters<typeof createServer>[0]['fallback']>,
      interceptors: [createAuthInterceptor(verify), createRateLimitInterceptor(limits)],
      readMaxBytes: bodyLimitBytes,
      port: 0,
      logger: silent,
      health: new HealthRegistry('SERVING'),
    });
    url = `http://127.0.0.1:${await server.listen()}`;
  });

  afterAll(async () => {
    await server?.close(1_000);
    await closeRest?.();
  });

  const as = (user: string): Interceptor => (next) => (req) => {
    req.header.set('authorization', `Bearer ${user}`);
    return next(req);
  };
  const connect = (user: string) => createClient(GatewayService, createConnectTransport({ baseUrl: url, httpVersion: '1.1', interceptors: [as(user)] }));
  const grpc = (user: string) => createClient(GatewayService, createGrpcTransport({ baseUrl: url, interceptors: [as(user)] }));
  const failure = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => ConnectError.from(error));

  it('refuses a Connect or gRPC request over BODY_LIMIT_BYTES with RESOURCE_EXHAUSTED before any handler runs', async () => {
    const huge = { email: `${'a'.repeat(64)}@${'b'.repeat(bodyLimitBytes)}.com`, timezone: 'Europe/London' };
    // The handler would have answered INVALID_ARGUMENT (no such address) without calling anything.
    expect((await failure(connect('ann').registerUser(huge)))?.code).toBe(Code.ResourceExhausted);
    expect((await failure(grpc('ann').registerUser(huge)))?.code).toBe(Code.ResourceExhausted);
    const small = await failure(connect('ann').registerUser({ email: 'not-an-address', timezone: 'Europe/London' }));
    expect(small?.code).toBe(Code.InvalidArgument);
  });

  it('limits CheckState per user as POST /state/check is, with a retry hint, one budget across protocols', async () => {
    const rest = () => fetch(`${url}/api/v1/state/check`, { method: 'POST', headers: { authorization: 'Bearer bob' } });
    expect((await rest()).status).toBe(200);
    expect((await rest()).status).toBe(200);
    expect((await connect('bob').checkState({})).brake?.currentDay).toBe(1);
    expect((await grpc('bob').checkState({})).brake?.currentDay).toBe(1);
    const callsBefore = peerCalls;

    const refused = await failure(connect('bob').checkState({}));
    expect(refused?.code).toBe(Code.ResourceExhausted);
    expect(refused?.rawMessage).toMatch(/^rate limit exceeded; retry in \d+ s$/);
    expect(Number(refused?.metadata.get('retry-after'))).toBeGreaterThan(0);
    expect((await failure(grpc('bob').checkState({})))?.code).toBe(Code.ResourceExhausted);
    const restRefused = await rest();
    expect(restRefused.status).toBe(429);
    expect(Number(restRefused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await restRefused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(peerCalls).toBe(callsBefore);

    // Another user, and another RPC of bob's, are not limited.
    expect((await connect('carol').checkState({})).brake?.currentDay).toBe(1);
    expect((await failure(connect('bob').registerUser({ email: 'x', timezone: 'Europe/London' })))?.code).toBe(Code.InvalidArgument);
  });

  it('answers GET /api/v1/health from a report gathered at most once a second, and limits it per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < anonymousPerMinute + 2; i += 1) statuses.push((await fetch(`${url}/api/v1/health`)).status);
    expect(statuses).toEqual([...Array<number>(anonymousPerMinute).fill(200), 429, 429]);
    expect(healthFanOuts).toBe(1);
  });
});
