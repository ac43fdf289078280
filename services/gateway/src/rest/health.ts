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
