import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { serializeError } from './error-serializer.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Goes on every line as `service`. */
  service: string;
  level?: LevelWithSilent;
  /** Where lines go; stdout when absent. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

// Keys whose values never reach a log line, at any of the first three levels of nesting
// (e.g. `authorization`, `req.headers.authorization`). Emails and tokens are personal data.
const sensitiveKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'secret',
  'client_secret',
  'clientSecret',
  'password',
  'email',
];
const redactPaths = sensitiveKeys.flatMap((key) => {
  const prop = /^[A-Za-z_]\w*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (prop.startsWith('[') ? `${prefix}${prop}` : `${prefix}.${prop}`);
  return [prop, join('*'), join('*.*')];
});

/**
 * JSON lines with `service`, and `trace_id`/`span_id` of whatever OTel span is active when the line
 * is written — so every log inside an RPC or a traced Kafka handler carries its trace without the
 * caller passing anything.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: '[redacted]' },
      // Every error goes through the same narrow serializer, whatever key it is logged under.
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      mixin: activeTraceFields,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

function activeTraceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
