import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type net from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createServiceClient } from './clients.ts';
import { extractTraceContext, injectTraceHeaders, startTelemetry, type Telemetry } from './telemetry.ts';
import { startTestServer } from '../test/support.ts';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

/** A stand-in OTLP/HTTP collector that records the paths it was sent. */
async function fakeCollector(): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, paths, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('trace propagation', () => {
  it('carries the caller trace through a service client into the handler and its logs', async () => {
    telemetry = startTelemetry({ serviceName: 'platform-test' });
    let handlerTraceId: string | undefined;
    const t = await startTestServer({
      checkBrake() {
        handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
        return {};
      },
    });
    const client = createServiceClient(StateEngineService, { baseUrl: t.baseUrl });
    const callerTraceId = await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await client.checkBrake({ userId: 'u' });
      span.end();
      return span.spanContext().traceId;
    });
    await t.server.close(1_000);

    expect(callerTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(handlerTraceId).toBe(callerTraceId);
    const line = t.logs.find((l) => l.msg === 'rpc finished' && l.rpc === 'omtobe.state_engine.v1.StateEngineService/CheckBrake');
    expect(line?.trace_id).toBe(callerTraceId);
  });

  it('starts a trace for a call that arrives without one', async () => {
    telemetry = startTelemetry({ serviceName: 'platform-test' });
    const t = await startTestServer({ checkBrake: () => ({}) });
    await fetch(`${t.baseUrl}/omtobe.state_engine.v1.StateEngineService/CheckBrake`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await t.server.close(1_000);
    expect(t.logs.find((l) => l.msg === 'rpc finished')?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives spans ids but records nothing when no collector is configured', () => {
    telemetry = startTelemetry({ serviceName: 'platform-test' });
    const span = trace.getTracer('test').startSpan('check');
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('round-trips message headers for the Kafka library (string and bytes values)', () => {
    telemetry = startTelemetry({ serviceName: 'platform-test' });
    trace.getTracer('test').startActiveSpan('produce', (span) => {
      const headers = injectTraceHeaders<Record<string, string>>({});
      // Flags 00: without a collector nothing is sampled, but the ids travel all the same.
      expect(headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-00`);
      span.end();
      for (const carrier of [headers, { traceparent: Buffer.from(headers.traceparent!) }]) {
        const extracted = trace.getSpanContext(extractTraceContext(carrier, context.active()));
        expect(extracted).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, isRemote: true });
      }
    });
  });
});

describe('export', () => {
  it('sends spans over OTLP/HTTP protobuf to the configured endpoint', async () => {
    const collector = await fakeCollector();
    telemetry = startTelemetry({ serviceName: 'platform-test', otlpEndpoint: `${collector.url}/` });
    trace.getTracer('test').startSpan('work').end();
    await telemetry.shutdown(); // flushes the batch
    telemetry = undefined;
    await collector.close();
    expect(collector.paths).toContain('POST /v1/traces application/x-protobuf');
  });

  it('exports nothing without an endpoint, even when OTEL_* variables point somewhere', async () => {
    const collector = await fakeCollector();
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    try {
      telemetry = startTelemetry({ serviceName: 'platform-test' });
      trace.getTracer('test').startSpan('work').end();
      await telemetry.shutdown();
      telemetry = undefined;
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    }
    await collector.close();
    expect(collector.paths).toEqual([]);
  });
});

