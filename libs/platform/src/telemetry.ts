import { context, propagation, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318). Nothing is exported without it. */
  otlpEndpoint?: string | undefined;
  metricExportIntervalMs?: number;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Tracing and metrics through the OpenTelemetry Node SDK. No auto-instrumentation: the Connect
 * tracing interceptor makes the RPC spans and the Kafka library makes the message spans, which keeps
 * startup cheap and needs no preloading. The W3C propagator and the async context manager are always
 * on, and spans always get ids even without a collector — so trace ids reach logs and travel to other
 * services. Without a collector nothing is sampled: the spans are non-recording (ids only, no attributes,
 * events or processor work), which keeps the hot path cheap. With one, OTEL_TRACES_SAMPLER applies (the
 * SDK's default: parent-based, always on).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const endpoint = options.otlpEndpoint?.replace(/\/+$/, '');
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName })),
    autoDetectResources: false,
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    instrumentations: [],
    ...(endpoint === undefined ? { sampler: new AlwaysOffSampler() } : {}),
    // Explicit empty lists: otherwise the SDK reads OTEL_*_EXPORTER and defaults to OTLP on localhost.
    spanProcessors:
      endpoint === undefined ? [new NoopSpanProcessor()] : [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
    metricReaders:
      endpoint === undefined
        ? []
        : [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
              exportIntervalMillis: options.metricExportIntervalMs ?? 60_000,
            }),
          ],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown(); // flushes what is batched
      // Unregister the globals so a later start (tests, restarts in one process) can register again.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** A message's headers as Kafka clients give them: strings, bytes, or repeated values. */
export type HeaderCarrier = Record<string, string | Uint8Array | readonly (string | Uint8Array)[] | undefined>;

const headerGetter: TextMapGetter<HeaderCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key] ?? carrier[Object.keys(carrier).find((k) => k.toLowerCase() === key) ?? ''];
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) return undefined;
    return typeof first === 'string' ? first : Buffer.from(first as Uint8Array).toString('utf8');
  },
};

/** Writes `traceparent` (and `tracestate`, `baggage`) of `ctx` into `carrier`, e.g. Kafka message headers. */
export function injectTraceHeaders<C extends Record<string, unknown>>(carrier: C, ctx: Context = context.active()): C {
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a message's `traceparent` continues, to run its handler in: `context.with(ctx, ...)`. */
export function extractTraceContext(carrier: HeaderCarrier, ctx: Context = context.active()): Context {
  return propagation.extract(ctx, carrier, headerGetter);
}
