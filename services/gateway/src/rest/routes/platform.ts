import type { FastifyInstance } from 'fastify';
import { systemClock } from '@omtobe/platform';
import { cachedHealthReport, healthReport } from '../health.ts';
import type { RestOptions } from '../options.ts';
import { answers, retryAfter } from './responses.ts';
import { ref } from './schemas.ts';

/** Health and the OpenAPI document: open without a token, limited per address. */
export function platformRoutes(app: FastifyInstance, { deps, health, anonymousPerMinute }: RestOptions): void {
  const anonymous = { max: anonymousPerMinute, timeWindow: '1 minute' };
  // One fan-out to the services per second at most, whatever the request rate (health.ts).
  // Degraded is the report beside the envelope, not the envelope alone.
  const healthAnswers: Record<number, object> = {
    ...answers({ success: { 200: ref('HealthReport') }, errors: { 429: true }, rateLimited: true }),
    503: {
      ...ref('HealthFailure'),
      description: 'Degraded: the envelope (dependency_unavailable, the parts not serving as details) with the report beside it.',
      headers: retryAfter,
    },
  };
  const currentReport = cachedHealthReport(() => healthReport(health, deps.peers, deps.clock ?? systemClock), { ttlMs: 1_000 });
  app.get(
    '/api/v1/health',
    {
      config: { public: true, rateLimit: anonymous },
      schema: {
        operationId: 'getHealth',
        tags: ['platform'],
        summary: 'The gateway and every service behind it',
        description: 'Answered from a report up to a second old. 503 when any part is not serving (the parts in the error’s details).',
        security: [],
        response: healthAnswers,
      },
    },
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
    {
      config: { public: true, rateLimit: anonymous },
      schema: {
        operationId: 'getOpenApiDocument',
        tags: ['platform'],
        summary: 'This document',
        description: 'The OpenAPI 3.1 description of this server’s routes (development mode’s included only where they exist).',
        security: [],
        response: answers({
          success: { 200: { type: 'object', description: 'An OpenAPI 3.1 document.', additionalProperties: true } },
          errors: { 429: true },
          rateLimited: true,
        }),
      },
    },
    async () => app.swagger(),
  );
}
