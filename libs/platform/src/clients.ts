import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createServiceTokenInterceptor, type ServiceTokenSigner } from './service-auth.ts';
import { createTracingInterceptor } from './tracing-interceptor.ts';

export interface ServiceClientOptions {
  /** e.g. http://state-engine:8080 (from a `*_SERVICE_ADDR`-style variable). */
  baseUrl: string;
  /** Deadline of every call that sets none itself (sent as grpc-timeout, enforced by both sides). Default 5000. */
  timeoutMs?: number;
  /** Run inside the tracing interceptor. */
  interceptors?: Interceptor[];
  /** This service's identity: every call carries its token for `audience` (the peer's SERVICE_NAME). */
  identity?: { signer: ServiceTokenSigner; audience: string };
}

/**
 * A typed client for another service over gRPC (HTTP/2, one multiplexed connection per transport).
 * Every call has a deadline, carries the caller's trace in `traceparent` and, given an identity, its service token; a unary call the server
 * refused unprocessed while draining is retried once. Create one per peer at startup and share it.
 */
export function createServiceClient<S extends DescService>(service: S, options: ServiceClientOptions): Client<S> {
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 5_000,
    interceptors: [
      createTracingInterceptor('client'),
      createRefusedStreamInterceptor(),
      ...(options.identity ? [createServiceTokenInterceptor(options.identity.signer, options.identity.audience)] : []),
      ...(options.interceptors ?? []),
    ],
  });
  return createClient(service, transport);
}

/**
 * A server that is draining answers streams opened after its GOAWAY with REFUSED_STREAM, which
 * asserts that nothing was processed (RFC 9113 §8.7), so even a non-idempotent unary call may be
 * sent again, once, on a new connection. Node reports the reset as a generic ERR_HTTP2_STREAM_ERROR,
 * which connect-node turns into Internal; what is not retried becomes Unavailable instead.
 */
export function createRefusedStreamInterceptor(): Interceptor {
  const unavailable = (cause: unknown) =>
    new ConnectError('the server refused the call before processing it', Code.Unavailable, undefined, undefined, cause);
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (!isRefusedStream(error)) throw error;
      if (req.stream) throw unavailable(error); // a request stream cannot be replayed
      try {
        return await next(req);
      } catch (again) {
        throw isRefusedStream(again) ? unavailable(again) : again;
      }
    }
  };
}

function isRefusedStream(error: unknown): boolean {
  // Walks the cause chain by shape, not instanceof: Node's own errors may come from another realm (e.g. under jest).
  const seen = new Set<unknown>();
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null; typeof e === 'object' && e !== null && !seen.has(e); e = e.cause as typeof e) {
    seen.add(e);
    if (e.code === 'ERR_HTTP2_STREAM_ERROR' && String(e.message).includes('NGHTTP2_REFUSED_STREAM')) return true;
  }
  return false;
}
