import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import {
  AlreadyExistsError,
  DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from './errors.ts';
import type { Logger } from './logger.ts';
import { hookStream } from './stream-hooks.ts';
import { isTransientFailure } from './transient-failures.ts';

/** The response header that carries a DomainError's `reason`. */
export const errorReasonHeader = 'omtobe-error-reason';

const domainCodes: ReadonlyArray<readonly [abstract new (...args: never[]) => DomainError, Code]> = [
  [InvalidArgumentError, Code.InvalidArgument],
  [NotFoundError, Code.NotFound],
  [AlreadyExistsError, Code.AlreadyExists],
  [FailedPreconditionError, Code.FailedPrecondition],
  [PermissionDeniedError, Code.PermissionDenied],
  [ResourceExhaustedError, Code.ResourceExhausted],
  [UnavailableError, Code.Unavailable],
];

/**
 * The one place where errors become RPC status: DomainErrors get their code (and message),
 * ConnectErrors pass through, anything else is logged with its stack and answered with a generic
 * Internal — its message may hold SQL, hostnames or personal data.
 */
export function createErrorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const map = (error: unknown) => toConnectError(error, { rpc, signal: req.signal, logger });
    try {
      const res = await next(req);
      return res.stream ? { ...res, message: hookStream(res.message, { mapError: map }) } : res;
    } catch (error) {
      throw map(error);
    }
  };
}

export function toConnectError(error: unknown, call: { rpc: string; signal: AbortSignal; logger: Logger }): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof DomainError) {
    const code = domainCodes.find(([type]) => error instanceof type)?.[1];
    if (code !== undefined) {
      return new ConnectError(error.message, code, error.reason === undefined ? undefined : { [errorReasonHeader]: error.reason });
    }
  }
  // The call was cancelled or timed out and the handler surfaced that as its own error type.
  if (call.signal.aborted) return ConnectError.from(call.signal.reason);
  // The database (or another dependency) went away mid-call: the caller may retry, and it is no bug of ours.
  // The outage itself is reported once by the database watcher, not once per call.
  if (isTransientFailure(error)) {
    call.logger.debug({ rpc: call.rpc, err: error }, 'rpc failed on an unavailable dependency');
    return new ConnectError('a dependency is unavailable; retry shortly', Code.Unavailable, { [errorReasonHeader]: 'dependency_unavailable' });
  }
  call.logger.error({ rpc: call.rpc, err: error }, 'unhandled error in rpc');
  return new ConnectError('internal error', Code.Internal);
}

// Codes that mean the server failed (the OpenTelemetry RPC conventions' list); the others are the caller's doing.
export const serverFaultCodes: ReadonlySet<Code> = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

/**
 * One line per finished RPC: `rpc`, `code`, `duration_ms` (and the trace id through the logger), never
 * request or response bodies. Like the gateway's request lines: debug for answers (ours and the caller's
 * mistakes), warn when the server failed, so production logs stay quiet until something goes wrong and a
 * hot RPC costs no logging work at all when debug is off. Services in `quiet` (health probes, reflection)
 * log failures at debug too.
 */
export function createLoggingInterceptor(logger: Logger, options: { quiet?: Iterable<string> } = {}): Interceptor {
  const quiet = new Set(options.quiet ?? []);
  return (next) => async (req) => {
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const started = performance.now();
    const done = (error: unknown) => {
      const code = error === undefined ? undefined : ConnectError.from(error).code;
      const level = code !== undefined && serverFaultCodes.has(code) && !quiet.has(req.service.typeName) ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ rpc, code: code === undefined ? 'ok' : codeToString(code), duration_ms: Math.round((performance.now() - started) * 10) / 10 }, 'rpc finished');
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        done(undefined);
        return res;
      }
      return { ...res, message: hookStream(res.message, { onEnd: done }) };
    } catch (error) {
      done(error);
      throw error;
    }
  };
}
