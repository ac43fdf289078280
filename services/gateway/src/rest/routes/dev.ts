import type { FastifyInstance } from 'fastify';
import type { DevTokenIssuer } from '../../auth/dev-issuer.ts';
import { advanceTime, devTime, injectHighStakesEvent, injectHrvDrop, setCycleDay, type DevTime } from '../../operations/dev.ts';
import { iso } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody } from './responses.ts';
import { instant, ref, requiredFields, timestamp } from './schemas.ts';

const object = (id: string, description: string, properties: Record<string, unknown>) => ({
  $id: id,
  type: 'object',
  description,
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

/** Development mode's named schemas: added with its routes, so a production document has neither. */
const devSchemas = [
  object('DevToken', 'A development token for a user id.', {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_at: instant,
  }),
  {
    $id: 'Jwks',
    type: 'object',
    description: 'A JSON Web Key Set (RFC 7517).',
    required: ['keys'],
    properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
  },
  object('DevHrvSample', 'The injected sample.', { sample_id: { type: ['string', 'null'] }, value_ms: { type: ['number', 'null'] }, measured_at: timestamp }),
  object('DevEvent', 'The injected high-stakes event.', { event_id: { type: ['string', 'null'] }, title: { type: ['string', 'null'] }, starts_at: timestamp, ends_at: timestamp }),
  object('DevTime', 'The system’s development clock.', { now: instant, offset_minutes: { type: 'number', description: 'how far ahead of real time the system runs' } }),
  object('DevCycleDay', 'The caller’s cycle after the move.', { current_day: { type: 'integer', minimum: 1, maximum: 7 }, cycle_start: timestamp }),
];

const devOnly = 'development_only: development controls are off in this service.';
const forUser = { ...authenticated, ...jsonBody, 404: true, 409: devOnly, 422: true } as const;

/**
 * Development mode only (these routes do not exist in production): a token issuer so `npm start` needs no
 * identity provider, and the seed's demo controls — inject an HRV drop or a high-stakes event now, move the
 * whole system's development clock (every service's), set the cycle day.
 */
export function devRoutes(app: FastifyInstance, { deps, anonymousPerMinute }: RestOptions, issuer: DevTokenIssuer): void {
  for (const schema of devSchemas) app.addSchema(schema);
  app.post<{ Body: { user_id: string; ttl_seconds?: number } }>(
    '/api/v1/dev/token',
    {
      config: { public: true, rateLimit: { max: anonymousPerMinute, timeWindow: '1 minute' } },
      schema: {
        operationId: 'devMintToken',
        tags: ['development'],
        summary: 'Development: mint a token for a user id',
        description: 'Tokens of the development issuer (GET /api/v1/dev/jwks.json), so `npm start` needs no identity provider.',
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
        response: answers({ success: { 200: ref('DevToken') }, errors: { ...jsonBody, 429: true }, rateLimited: true }),
      },
    },
    async (request) => {
      const { token, expiresAt } = await issuer.mint(request.body.user_id, request.body.ttl_seconds);
      return { access_token: token, token_type: 'Bearer', expires_at: expiresAt.toISOString() };
    },
  );
  app.get(
    '/api/v1/dev/jwks.json',
    {
      config: { public: true },
      schema: {
        operationId: 'devGetJwks',
        tags: ['development'],
        summary: 'Development: the token issuer’s keys',
        description: 'What JWKS_URL points at in development mode.',
        security: [],
        response: answers({ success: { 200: ref('Jwks') }, errors: {} }),
      },
    },
    async () => issuer.jwks,
  );

  app.post<{ Body: { drop_percent: number } }>(
    '/api/v1/dev/hrv-drop',
    {
      schema: {
        operationId: 'devInjectHrvDrop',
        tags: ['development'],
        summary: 'Development: record an HRV sample N% below the caller’s norm now',
        description: 'The mock HRV provider records the sample; it reaches the brake like any other.',
        body: requiredFields({ drop_percent: { type: 'number', minimum: 1, maximum: 90 } }),
        response: answers({ success: { 200: ref('DevHrvSample') }, errors: forUser }),
      },
    },
    async (request) => {
      const { sample } = await injectHrvDrop(deps, callerOf(request), request.body.drop_percent);
      return { sample_id: sample?.sampleId ?? null, value_ms: sample?.valueMs ?? null, measured_at: iso(sample?.measuredAt) };
    },
  );

  app.post<{ Body: { title?: string; duration_minutes?: number } }>(
    '/api/v1/dev/high-stakes-event',
    {
      schema: {
        operationId: 'devInjectHighStakesEvent',
        tags: ['development'],
        summary: 'Development: start a high-stakes event now',
        description: 'The mock calendar adds the event ("Board Meeting" when no title; 422 not_high_stakes for a title that is not).',
        response: answers({ success: { 200: ref('DevEvent') }, errors: forUser }),
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, duration_minutes: { type: 'number', minimum: 1, maximum: 24 * 60 } },
        },
      },
    },
    async (request) => {
      const { event } = await injectHighStakesEvent(deps, callerOf(request), request.body?.title ?? '', request.body?.duration_minutes ?? 60);
      return {
        event_id: event?.eventId ?? null,
        title: event?.title ?? null,
        starts_at: iso(event?.startsAt),
        ends_at: iso(event?.endsAt),
      };
    },
  );

  app.post<{ Body: { minutes: number } }>(
    '/api/v1/dev/advance-time',
    {
      schema: {
        operationId: 'devAdvanceTime',
        tags: ['development'],
        summary: 'Development: move every service’s clock forward',
        description: 'Every service runs its due work for the new time. 503 names a service that could not move: retry the same move.',
        body: requiredFields({ minutes: { type: 'number', exclusiveMinimum: 0, maximum: 60 * 24 * 60 } }),
        response: answers({ success: { 200: ref('DevTime') }, errors: { ...authenticated, ...jsonBody, 409: devOnly } }),
      },
    },
    async (request) => devTimeBody(await advanceTime(deps, request.body.minutes)),
  );
  app.get(
    '/api/v1/dev/time',
    {
      schema: {
        operationId: 'devGetTime',
        tags: ['development'],
        summary: 'Development: the system’s time now and how far ahead of real time it runs',
        description: 'The development clock every service shares.',
        response: answers({ success: { 200: ref('DevTime') }, errors: { ...authenticated, 409: devOnly } }),
      },
    },
    async () => devTimeBody(devTime(deps)),
  );

  app.post<{ Body: { day: number } }>(
    '/api/v1/dev/cycle-day',
    {
      schema: {
        operationId: 'devSetCycleDay',
        tags: ['development'],
        summary: 'Development: make today the given day of the caller’s cycle',
        description: 'Moves the cycle’s start so that today is that day.',
        body: requiredFields({ day: { type: 'integer', minimum: 1, maximum: 7 } }),
        response: answers({ success: { 200: ref('DevCycleDay') }, errors: forUser }),
      },
    },
    async (request) => {
      const result = await setCycleDay(deps, callerOf(request), request.body.day);
      return { current_day: result.currentDay, cycle_start: iso(result.cycleStart) };
    },
  );
}

function devTimeBody(time: DevTime): { now: string; offset_minutes: number } {
  return { now: time.now.toISOString(), offset_minutes: time.offsetMs / 60_000 };
}
