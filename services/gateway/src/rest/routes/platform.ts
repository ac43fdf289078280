import type { FastifyInstance } from 'fastify';
import { systemClock } from '@omtobe/platform';
import { healthReport } from '../health.ts';
import type { RestOptions } from '../app.ts';

/** Health and the OpenAPI document: open without a token, limited per address. */
export function platformRoutes(app: FastifyInstance, { deps, health, anonymousPerMinute }: RestOptions): void {
  const anonymous = { max: anonymousPerMinute, timeWindow: '1 minute' };
  app.get(
    '/api/v1/health',
    { config: { public: true }, schema: { summary: 'The gateway and every service behind it', security: [] } },
    async (_request, reply) => {
      const report = await healthReport(health, deps.peers, deps.clock ?? systemClock);
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
  app.get(
    '/api/v1/openapi.json',
    { config: { public: true, rateLimit: anonymous }, schema: { summary: 'This document', security: [] } },
    async () => app.swagger(),
  );
}
