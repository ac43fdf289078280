import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { serverFaultCodes } from './interceptors.ts';
import { hookStream } from './stream-hooks.ts';

const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};
const headersSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

/**
 * One span per RPC. `server`: continues the caller's `traceparent` and runs the handler inside the
 * span, so logs and outgoing calls carry its trace id. `client`: a child of the active context, with
 * `traceparent` written into the request headers. Put it first among the interceptors.
 * `ignore` names services not worth a span each call, such as health probes.
 */
export function createTracingInterceptor(kind: 'server' | 'client', options: { ignore?: Iterable<string> } = {}): Interceptor {
  const tracer = trace.getTracer('@omtobe/platform');
  const ignore = new Set(options.ignore ?? []);
  return (next) => async (req) => {
    if (ignore.has(req.service.typeName)) return next(req);
    const parent = kind === 'server' ? propagation.extract(ROOT_CONTEXT, req.header, headersGetter) : context.active();
    const span = tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes: { 'rpc.system': 'connect_rpc', 'rpc.service': req.service.typeName, 'rpc.method': req.method.name },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    if (kind === 'client') propagation.inject(ctx, req.header, headersSetter);
    const end = (error: unknown) => endSpan(span, kind, error);
    try {
      const res = await context.with(ctx, () => next(req));
      if (!res.stream) {
        end(undefined);
        return res;
      }
      return { ...res, message: hookStream(res.message, { runIn: (pull) => context.with(ctx, pull), onEnd: end }) };
    } catch (error) {
      end(error);
      throw error;
    }
  };
}

function endSpan(span: Span, kind: 'server' | 'client', error: unknown): void {
  if (error === undefined) {
    span.setAttribute('rpc.grpc.status_code', 0); // OK: Connect's Code has no member for it
  } else {
    const code = ConnectError.from(error).code;
    span.setAttribute('rpc.grpc.status_code', code);
    if (kind === 'client' || serverFaultCodes.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] });
  }
  span.end();
}
