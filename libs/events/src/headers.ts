import { context, propagation } from '@opentelemetry/api';

/** Kafka record headers every event carries. */
export const headerNames = Object.freeze({
  eventId: 'event-id',
  eventType: 'event-type',
  occurredAt: 'occurred-at',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
});

export type RecordHeaders = Record<string, string>;

/** The W3C trace context of the current span as headers (empty when there is none). */
export function currentTraceHeaders(): RecordHeaders {
  const carrier: RecordHeaders = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** kafkajs gives header values as Buffer | string | (Buffer | string)[] | undefined: one string or undefined. */
export function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

export function stringHeaders(headers: Record<string, unknown> | undefined): RecordHeaders {
  const out: RecordHeaders = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerValue(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
