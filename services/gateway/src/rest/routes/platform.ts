import type { FastifyInstance } from 'fastify';
import { systemClock } from '@omtobe/platform';
import { cachedHealthReport, healthReport } from '../health.ts';
import type { RestOptions } from '../app.ts';

/** Health and the OpenAPI document: open without a token, limited per address. */
export function platformRoutes(app: FastifyInstance, { deps, health, anonymousPerMinute }: RestOptions): void {
  const anonymous = { max: anonymousPerMinute, timeWindow: '1 minute' };
  // One fan-out to the services per second at most, whatever the request rate (health.ts).
  const currentReport = cachedHealthReport(() => healthReport(health, deps.peers, deps.clock ?? systemClock), { ttlMs: 1_000 });
  app.get(
    '/api/v1/health',
    { config: { public: true, rateLimit: anonymous }, schema: { summary: 'The gateway and every service behind it (answered from a report up to a second old)', security: [] } },
    async (_request, reply) => {
      const report = await currentReport();
      if (report.status === 'ok') return reply.status(200).send(report);
      // Like every error answer, the envelope (the services not serving as its details), with the report kept beside it.
      const down = Object.entries(report.services).filter(([, status]) => status !== 'SERVING');
      const error = { code: 'dependency_unavailable', message: 'a part of the service is not serving', details: down.map(([service, status]) => ({ service, status })) };
      return reply.status(503).header('retry-after', '5').send({ error, ...report });
    },
  );
  app.get(
    '/api/v1/openapi.json',
    { config: { public: true, rateLimit: anonymous }, schema: { summary: 'This document', security: [] } },
    async () => app.swagger(),
  );
}
