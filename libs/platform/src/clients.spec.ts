import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from '@connectrpc/connect';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createRefusedStreamInterceptor } from './clients.ts';

/** What connect-node surfaces when an HTTP/2 peer resets a stream with REFUSED_STREAM. */
function refusedStream(): ConnectError {
  const cause = Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), { code: 'ERR_HTTP2_STREAM_ERROR' });
  return new ConnectError(String(cause), Code.Internal, undefined, undefined, cause);
}

/** A client whose transport fails its first `failures` attempts with `error`. */
function clientFailing(failures: number, error: () => unknown) {
  let attempts = 0;
  const failFirst: Interceptor = (next) => async (req) => {
    attempts += 1;
    if (attempts <= failures) throw error();
    return next(req);
  };
  const transport = createRouterTransport((router) => router.service(StateEngineService, { checkBrake: () => ({ shouldDisplay: true }) }), {
    transport: { interceptors: [createRefusedStreamInterceptor(), failFirst] },
  });
  return { client: createClient(StateEngineService, transport), attempts: () => attempts };
}

describe('refused-stream interceptor', () => {
  it('retries a unary call the server refused unprocessed, once', async () => {
    const { client, attempts } = clientFailing(1, refusedStream);
    expect(await client.checkBrake({})).toMatchObject({ shouldDisplay: true });
    expect(attempts()).toBe(2);
  });

  it('gives up after the second refusal with Unavailable', async () => {
    const { client, attempts } = clientFailing(2, refusedStream);
    await expect(client.checkBrake({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts()).toBe(2);
  });

  it('leaves other errors alone', async () => {
    const { client, attempts } = clientFailing(1, () => new ConnectError('nope', Code.Internal));
    await expect(client.checkBrake({})).rejects.toMatchObject({ code: Code.Internal, rawMessage: 'nope' });
    expect(attempts()).toBe(1);
  });
});
