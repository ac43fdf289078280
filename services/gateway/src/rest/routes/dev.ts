import type { FastifyInstance } from 'fastify';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { DevTokenIssuer } from '../../auth/dev-issuer.ts';
import { advanceTime, devTime, injectHighStakesEvent, injectHrvDrop, setCycleDay, type DevTime } from '../../operations/dev.ts';
import type { RestOptions } from '../app.ts';
import { commonErrors, timestamp } from './schemas.ts';

const devTimeResponse = {
  type: 'object',
  properties: { now: timestamp, offset_minutes: { type: 'number', description: 'how far ahead of real time the system runs' } },
  required: ['now', 'offset_minutes'],
} as const;

/**
 * Development mode only (these routes do not exist in production): a token issuer so `npm start` needs no
 * identity provider, and the seed's demo controls — inject an HRV drop or a high-stakes event now, move the
 * whole system's development clock (every service's), set the cycle day.
 */
export function devRoutes(app: FastifyInstance, { deps, anonymousPerMinute }: RestOptions, issuer: DevTokenIssuer): void {
  app.post<{ Body: { user_id: string; ttl_seconds?: number } }>(
    '/api/v1/dev/token',
    {
      config: { public: true, rateLimit: { max: anonymousPerMinute, timeWindow: '1 minute' } },
      schema: {
        summary: 'Development: mint a token for a user id',
        security: [],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['user_id'],
          properties: {
            user_id: { type: 'string', pattern: '^[A-Za-z0-9._:@|-]{1,128}$' },
            ttl_seconds: { type: 'integer', minimum: 60, maximum: 30 * 24 * 3600 },
          },
        },
      },
    },
    async (request) => {
      const { token, expiresAt } = await issuer.mint(request.body.user_id, request.body.ttl_seconds);
      return { access_token: token, token_type: 'Bearer', expires_at: expiresAt.toISOString() };
    },
  );
  app.get('/api/v1/dev/jwks.json', { config: { public: true }, schema: { summary: 'Development: the token issuer’s keys', security: [] } }, async () => issuer.jwks);

  app.post<{ Body: { drop_percent: number } }>(
    '/api/v1/dev/hrv-drop',
    {
      schema: {
        summary: 'Development: record an HRV sample N% below the caller’s norm now',
        body: { type: 'object', additionalProperties: false, required: ['drop_percent'], properties: { drop_percent: { type: 'number', minimum: 1, maximum: 90 } } },
      },
    },
    async (request) => {
      const { sample } = await injectHrvDrop(deps, { userId: request.userId, signal: request.hangUp }, request.body.drop_percent);
      return { sample_id: sample?.sampleId, value_ms: sample?.valueMs, measured_at: sample?.measuredAt ? timestampDate(sample.measuredAt).toISOString() : null };
    },
  );

  app.post<{ Body: { title?: string; duration_minutes?: number } }>(
    '/api/v1/dev/high-stakes-event',
    {
      schema: {
        summary: 'Development: start a high-stakes event now',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, duration_minutes: { type: 'number', minimum: 1, maximum: 24 * 60 } },
        },
      },
    },
    async (request) => {
      const { event } = await injectHighStakesEvent(deps, { userId: request.userId, signal: request.hangUp }, request.body?.title ?? '', request.body?.duration_minutes ?? 60);
      return {
        event_id: event?.eventId,
        title: event?.title,
        starts_at: event?.startsAt ? timestampDate(event.startsAt).toISOString() : null,
        ends_at: event?.endsAt ? timestampDate(event.endsAt).toISOString() : null,
      };
    },
  );

  app.post<{ Body: { minutes: number } }>(
    '/api/v1/dev/advance-time',
    {
      schema: {
        summary: 'Development: move every service’s clock forward (503 naming a service that could not move; retry as it is)',
        body: { type: 'object', additionalProperties: false, required: ['minutes'], properties: { minutes: { type: 'number', exclusiveMinimum: 0, maximum: 60 * 24 * 60 } } },
        response: { 200: devTimeResponse, ...commonErrors },
      },
    },
    async (request) => devTimeBody(await advanceTime(deps, request.body.minutes)),
  );
  app.get(
    '/api/v1/dev/time',
    { schema: { summary: 'Development: the system’s time now and how far ahead of real time it runs', response: { 200: devTimeResponse, ...commonErrors } } },
    async () => devTimeBody(devTime(deps)),
  );

  app.post<{ Body: { day: number } }>(
    '/api/v1/dev/cycle-day',
    {
      schema: {
        summary: 'Development: make today the given day of the caller’s cycle',
        body: { type: 'object', additionalProperties: false, required: ['day'], properties: { day: { type: 'integer', minimum: 1, maximum: 7 } } },
      },
    },
    async (request) => {
      const result = await setCycleDay(deps, { userId: request.userId, signal: request.hangUp }, request.body.day);
      return { current_day: result.currentDay, cycle_start: result.cycleStart ? timestampDate(result.cycleStart).toISOString() : null };
    },
  );
}

function devTimeBody(time: DevTime): { now: string; offset_minutes: number } {
  return { now: time.now.toISOString(), offset_minutes: time.offsetMs / 60_000 };
}
