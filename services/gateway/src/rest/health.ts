import { HealthCheckResponse_ServingStatus } from '@omtobe/proto/grpc/health/v1';
import type { Clock, HealthRegistry } from '@omtobe/platform';
import type { Peers } from '../peers/peers.ts';

export interface HealthReport {
  status: 'ok' | 'degraded';
  timestamp: string;
  services: Record<string, string>;
}

/** GET /api/v1/health: the gateway and every service behind it, each asked over grpc.health.v1. */
export async function healthReport(health: HealthRegistry, peers: Peers, clock: Clock): Promise<HealthReport> {
  const services: Record<string, string> = { gateway: health.status() ?? 'UNKNOWN' };
  await Promise.all(
    peers.health.map(async ({ name, client }) => {
      try {
        const reply = await client.check({});
        services[name] = HealthCheckResponse_ServingStatus[reply.status] ?? 'UNKNOWN';
      } catch {
        services[name] = 'UNREACHABLE';
      }
    }),
  );
  const ok = Object.values(services).every((s) => s === 'SERVING');
  return { status: ok ? 'ok' : 'degraded', timestamp: clock.now().toISOString(), services };
}

/**
 * The health report, asked of the services at most once per `ttlMs` whatever the request rate: answers within
 * the window share the last report, and requests that arrive while one is being gathered wait for it. The
 * route is public and Envoy retries its 503s, so without this every request would fan out to every service.
 */
export function cachedHealthReport(gather: () => Promise<HealthReport>, options: { ttlMs: number; now?: () => number }): () => Promise<HealthReport> {
  const now = options.now ?? Date.now;
  let last: { report: Promise<HealthReport>; at: number } | undefined;
  return () => {
    if (last !== undefined && now() - last.at < options.ttlMs) return last.report;
    const at = now();
    const report = gather();
    last = { report, at };
    // A failed gathering is not kept: the next request asks again.
    report.catch(() => {
      if (last?.report === report) last = undefined;
    });
    return report;
  };
}
