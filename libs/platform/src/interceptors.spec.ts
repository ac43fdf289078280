import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import * as errors from './errors.ts';
import { createErrorInterceptor, createLoggingInterceptor, errorReasonHeader } from './interceptors.ts';
import { captureLogs, rejection } from '../test/support.ts';

function clientThrowing(error: () => unknown) {
  const { logger, lines } = captureLogs();
  const transport = createRouterTransport(
    (router) => {
      router.service(StateEngineService, {
        getState: () => {
          throw error();
        },
      });
      router.service(Health, {
        async *watch() {
          yield { status: 1 };
          throw error();
        },
      });
    },
    { router: { interceptors: [createLoggingInterceptor(logger), createErrorInterceptor(logger)] } },
  );
  return { state: createClient(StateEngineService, transport), health: createClient(Health, transport), lines };
}

const cases: [string, () => errors.DomainError, Code][] = [
  ['InvalidArgumentError', () => new errors.InvalidArgumentError('bad'), Code.InvalidArgument],
  ['NotFoundError', () => new errors.NotFoundError('bad'), Code.NotFound],
  ['AlreadyExistsError', () => new errors.AlreadyExistsError('bad'), Code.AlreadyExists],
  ['FailedPreconditionError', () => new errors.FailedPreconditionError('bad'), Code.FailedPrecondition],
  ['PermissionDeniedError', () => new errors.PermissionDeniedError('bad'), Code.PermissionDenied],
  ['ResourceExhaustedError', () => new errors.ResourceExhaustedError('bad'), Code.ResourceExhausted],
  ['UnavailableError', () => new errors.UnavailableError('bad'), Code.Unavailable],
];

describe('error interceptor', () => {
  it.each(cases)('maps %s to its code and keeps its message', async (_name, make, code) => {
    const { state, lines } = clientThrowing(make);
    const error = await rejection(state.getState({}));
    expect(error).toMatchObject({ code, rawMessage: 'bad' });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]); // expected outcomes are not errors to log
  });

  it('answers a database that went away mid-call with Unavailable, not Internal, and logs no error', async () => {
    const restart = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const { state, lines } = clientThrowing(() => restart);
    const error = await rejection(state.getState({}));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.metadata.get(errorReasonHeader)).toBe('dependency_unavailable');
    expect(error.rawMessage).not.toContain('administrator');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('sends the reason as a header', async () => {
    const { state } = clientThrowing(() => new errors.FailedPreconditionError('no brake is pending', { reason: 'NO_PENDING_BRAKE' }));
    const error = await rejection(state.getState({}));
    expect(error.metadata.get(errorReasonHeader)).toBe('NO_PENDING_BRAKE');
  });

  it('passes ConnectErrors through', async () => {
    const { state } = clientThrowing(() => new ConnectError('slow down', Code.ResourceExhausted));
    await expect(state.getState({})).rejects.toMatchObject({ code: Code.ResourceExhausted, rawMessage: 'slow down' });
  });

  it('hides and logs anything else, in streams too', async () => {
    const { health, lines } = clientThrowing(() => new TypeError('cannot read properties of undefined (reading "hrv")'));
    const seen: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const response of health.watch({})) seen.push(response.status);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(error).toMatchObject({ code: Code.Internal, rawMessage: 'internal error' });
    expect(lines.find((l) => l.msg === 'unhandled error in rpc')).toMatchObject({
      rpc: 'grpc.health.v1.Health/Watch',
      err: { type: 'TypeError', message: expect.stringContaining('"hrv"') },
    });
    expect(lines.find((l) => l.msg === 'rpc finished')).toMatchObject({ rpc: 'grpc.health.v1.Health/Watch', code: 'internal' });
  });
});

describe('logging interceptor', () => {
  function loggedAt(level: 'info' | 'debug', fail?: () => unknown) {
    const { logger, lines } = captureLogs(level);
    const transport = createRouterTransport(
      (router) =>
        router.service(StateEngineService, {
          getState() {
            if (fail) throw fail();
            return {};
          },
        }),
      { router: { interceptors: [createLoggingInterceptor(logger), createErrorInterceptor(logger)] } },
    );
    return { client: createClient(StateEngineService, transport), lines };
  }
  const rpc = 'omtobe.state_engine.v1.StateEngineService/GetState';

  it('logs an answer at debug, with rpc, code and duration', async () => {
    const { client, lines } = loggedAt('debug');
    await client.getState({});
    expect(lines.find((l) => l.msg === 'rpc finished')).toMatchObject({ level: 'debug', rpc, code: 'ok', duration_ms: expect.any(Number) });
  });

  it("logs the caller's mistakes at debug and the server's failures at warn", async () => {
    const mistake = loggedAt('debug', () => new errors.NotFoundError('no such user'));
    await rejection(mistake.client.getState({}));
    expect(mistake.lines.find((l) => l.msg === 'rpc finished')).toMatchObject({ level: 'debug', rpc, code: 'not_found' });

    const failure = loggedAt('info', () => new errors.UnavailableError('database down'));
    await rejection(failure.client.getState({}));
    expect(failure.lines.find((l) => l.msg === 'rpc finished')).toMatchObject({ level: 'warn', rpc, code: 'unavailable' });
  });

  it('writes nothing for answers when debug is off', async () => {
    const { client, lines } = loggedAt('info');
    await client.getState({});
    expect(lines).toEqual([]);
  });
});
