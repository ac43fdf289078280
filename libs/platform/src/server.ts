import type { DescFile, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { contractFiles } from '@omtobe/proto';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { ServerReflection } from '@omtobe/proto/grpc/reflection/v1';
import { healthRoutes } from './health-service.ts';
import type { HealthRegistry } from './health.ts';
import type { Lifecycle } from './lifecycle.ts';
import { createHttpListener, type RequestHandler } from './http-listener.ts';
import { createErrorInterceptor, createLoggingInterceptor } from './interceptors.ts';
import type { Logger } from './logger.ts';
import { reflectionRoutes } from './reflection.ts';
import { createTracingInterceptor } from './tracing-interceptor.ts';

export interface ServerOptions {
  /** Registers the service's handlers: `(router) => router.service(StateEngineService, impl)`. */
  routes: (router: ConnectRouter) => void;
  /** 0 picks a free port (tests). */
  port: number;
  /** The address to listen on: a service passes its config's HOST. Default: 127.0.0.1 (tests). */
  host?: string;
  logger: Logger;
  health: HealthRegistry;
  /** Run inside the platform's tracing, logging and error interceptors (e.g. authentication). */
  interceptors?: Interceptor[];
  /**
   * Serve grpc.reflection.v1 (grpcurl, Postman). Services pass `OMTOBE_MODE === 'development'`: in production the
   * contracts are no one's business on an internal port. Default true.
   */
  reflection?: boolean;
  /** Files reflection describes besides the served services' own. Default: all of the project's contracts. */
  reflectionFiles?: readonly DescFile[];
  /** Largest request message accepted. Default 4 MiB, as gRPC's default. */
  readMaxBytes?: number;
  /** Answers requests that are not RPCs (the gateway's REST API); 404 when absent. */
  fallback?: RequestHandler;
}

export interface Server {
  /** Starts accepting; resolves to the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new connections and calls, let accepted calls finish, end health Watch
   * streams; at `deadlineMs` abort the handlers' signals and cut what remains.
   */
  close(deadlineMs: number): Promise<void>;
}

/**
 * One port, every protocol: gRPC and Connect over HTTP/2 cleartext, Connect JSON and gRPC-Web over
 * HTTP/1.1 too. Adds grpc.health.v1.Health (from `health`) and, unless `reflection` is false, grpc.reflection.v1.
 */
export function createServer(options: ServerOptions): Server {
  const { logger, health } = options;
  const closing = new AbortController(); // the drain began: long-lived streams end
  const deadlinePassed = new AbortController(); // handlers see their context.signal abort

  let router: ConnectRouter | undefined;
  const served = (): DescService[] => [...new Set(router?.handlers.map((handler) => handler.service))];

  // Probes and tooling: a span per Kubernetes probe would flood the trace backend.
  const infrastructure = [Health.typeName, ServerReflection.typeName];
  const handler = connectNodeAdapter({
    routes(r) {
      router = r;
      options.routes(r);
      healthRoutes(health, closing.signal)(r);
      if (options.reflection ?? true) {
        reflectionRoutes({
          files: () => [...(options.reflectionFiles ?? contractFiles), ...served().map((service) => service.file)],
          services: served,
        })(r);
      }
    },
    interceptors: [
      createTracingInterceptor('server', { ignore: infrastructure }),
      createLoggingInterceptor(logger, { quiet: infrastructure }),
      createErrorInterceptor(logger),
      ...(options.interceptors ?? []),
    ],
    shutdownSignal: deadlinePassed.signal,
    grpc: true,
    grpcWeb: true,
    connect: true,
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    ...(options.fallback ? { fallback: options.fallback as Parameters<typeof connectNodeAdapter>[0]['fallback'] } : {}),
  });
  const listener = createHttpListener(handler as RequestHandler);

  return {
    async listen() {
      const host = options.host ?? '127.0.0.1';
      const port = await listener.listen(options.port, host);
      logger.info({ host, port, services: served().map((service) => service.typeName) }, 'server listening');
      return port;
    },

    async close(deadlineMs) {
      logger.info({ in_flight: listener.inFlight, deadline_ms: deadlineMs }, 'server draining');
      closing.abort();
      const { cutOff } = await listener.close(deadlineMs, () =>
        deadlinePassed.abort(new ConnectError('server is shutting down', Code.Unavailable)),
      );
      if (cutOff > 0) logger.warn({ cut_off: cutOff }, 'drain deadline passed: running requests were cut off');
      else logger.info('server drained');
    },
  };
}

/**
 * The last step of every service's start: the server listens, its drain is registered to run first on
 * shutdown (it was started last), and health turns SERVING. Resolves to the bound port.
 */
export async function startServing(lifecycle: Lifecycle, options: ServerOptions & { shutdownTimeoutMs: number }): Promise<number> {
  const server = createServer(options);
  const port = await server.listen();
  // The drain may take the whole shutdown timeout; the step's own limit must not cut it short.
  lifecycle.onStop('server (drain)', () => server.close(options.shutdownTimeoutMs), { timeoutMs: options.shutdownTimeoutMs + 1_000 });
  options.health.setStatus('SERVING');
  return port;
}
