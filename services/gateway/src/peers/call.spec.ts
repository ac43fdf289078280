import { afterEach, describe, expect, it } from '@jest/globals';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { createServiceClient, UnavailableError } from '@omtobe/platform';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { callPeer } from './call.ts';

/** A bare HTTP/2 server standing in for a peer, so the test controls exactly how a call ends. */
async function peer(onStream: (stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => void) {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined); // a stream the client reset reports it as an error here: expected
    onStream(stream, stream.session as http2.ServerHttp2Session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = createServiceClient(StateEngineService, { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 60_000 });
  return { client, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('callPeer', () => {
  it.each([
    // The peer's process died: its connection is reset under the call (connect-node reports Aborted or Unavailable).
    ['the connection is reset mid-call', (_stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => session.socket.resetAndDestroy()],
    // A peer going away resets its streams with CANCEL (connect-node reports Canceled).
    ['the stream is reset with CANCEL', (stream: http2.ServerHttp2Stream) => stream.close(http2.constants.NGHTTP2_CANCEL)],
  ])('answers a retryable unavailable naming the peer when %s', async (_name, end) => {
    const p = await peer(end);
    close = p.close;
    const error = await failure(callPeer('state-engine', (options) => p.client.checkBrake({ userId: 'u' }, options)));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).reason).toBe('dependency_unavailable:state-engine');
  });

  it('passes a refusal of the call itself through unchanged', async () => {
    const p = await peer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(Code.FailedPrecondition), 'grpc-message': 'no brake is pending' }));
      stream.end();
    });
    close = p.close;
    const error = await failure(callPeer('state-engine', (options) => p.client.submitDecision({ userId: 'u' }, options)));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
  });

  it('cancels the call downstream when the caller hangs up', async () => {
    let cancelled = false;
    let resetCode = 0;
    const p = await peer((stream) =>
      stream.on('close', () => {
        resetCode = stream.rstCode;
        cancelled = true;
      }),
    );
    close = p.close;
    const hangUp = new AbortController();
    const call = failure(callPeer('state-engine', (options) => p.client.checkBrake({ userId: 'u' }, options), hangUp.signal));
    hangUp.abort(new Error('the client closed the request'));
    await call;
    // Well before the call's 60 s deadline: the hang-up reached the peer as a reset of its stream.
    await eventually(() => cancelled, (c) => c, 5_000);
    expect(resetCode).not.toBe(http2.constants.NGHTTP2_NO_ERROR);
  });
});
