import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { ResourceExhaustedError } from '@omtobe/platform';
import { RecordDecisionRequestSchema, RecordReflectionRequestSchema } from '@omtobe/proto/gateway/v1';
import { retryAfterSeconds, type UserRateLimits } from '../../limits/rate-limiter.ts';
import { checkState, getState, recordDecision, recordReflection } from '../../operations/cycle.ts';
import type { RestOptions } from '../app.ts';
import { checkJson, decisionFromName, decisionJson, reflectionJson, responseFromName, stateJson } from '../json.ts';
import { commonErrors, event, hrvFields, idempotencyHeader, nullableString, prompt, timestamp } from './schemas.ts';

const checkResponse = {
  type: 'object',
  properties: {
    should_display: { type: 'boolean' },
    event_id: nullableString,
    event,
    reason: nullableString,
    current_day: { type: 'integer' },
    phase: nullableString,
    ...hrvFields,
    cooling_until: timestamp,
    decision_locked: { type: 'boolean' },
    timestamp,
  },
} as const;

export const stateResponse = {
  type: 'object',
  properties: {
    current_day: { type: 'integer' },
    phase: nullableString,
    timezone: { type: 'string' },
    cycle_start: timestamp,
    next_cycle_start: timestamp,
    cooling_period_active: { type: 'boolean' },
    cooling_until: timestamp,
    locked_event_ids: { type: 'array', items: { type: 'string' } },
    pending_brake_event: event,
    should_display_reflection: { type: 'boolean' },
    reflection_opens_at: timestamp,
    reflection_answered: { type: 'boolean' },
    ...hrvFields,
    upcoming_events: { type: 'array', items: event },
    prompt,
    timestamp,
  },
} as const;

const decisionResponse = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    decision_id: { type: 'string' },
    decision_type: { type: 'string', enum: ['Proceed', 'Delay'] },
    timestamp,
    day: { type: 'integer' },
    next_action: { type: 'string', enum: ['cooling_period_activated', 'decision_locked'] },
    re_trigger_time: timestamp,
  },
} as const;

const reflectionResponse = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    reflection_id: { type: 'string' },
    response: { type: 'string', enum: ['Yes', 'No', 'Skip'] },
    timestamp,
    cycle_reset: {
      type: 'object',
      properties: { status: { type: 'string' }, new_cycle_start: timestamp, current_day: { type: 'integer' } },
    },
  },
} as const;

/** The brake, the cycle and the two answers the app records. */
export function cycleRoutes(app: FastifyInstance, { deps, limits }: RestOptions & { limits: UserRateLimits }): void {
  app.post(
    '/api/v1/state/check',
    {
      // Polled every minute by every active app: limited per user, by the limiter CheckState over Connect counts too.
      preHandler: async (request, reply) => {
        const decision = limits.checkState.take(request.userId);
        if (decision.allowed) return;
        const seconds = retryAfterSeconds(decision);
        reply.header('retry-after', String(seconds));
        throw new ResourceExhaustedError(`rate limit exceeded; retry in ${seconds} s`, { reason: 'rate_limited' });
      },
      schema: { summary: 'Should the brake show now?', response: { 200: checkResponse, ...commonErrors } },
    },
    async (request) => checkJson((await checkState(deps, { userId: request.userId, signal: request.hangUp })).brake!),
  );

  app.get(
    '/api/v1/state',
    { schema: { summary: 'The caller’s cycle, cooling, locks and reflection window now', response: { 200: stateResponse, ...commonErrors } } },
    async (request) => stateJson((await getState(deps, { userId: request.userId, signal: request.hangUp })).state!),
  );

  app.post<{ Body: { decision_type: 'Proceed' | 'Delay' }; Headers: { 'idempotency-key'?: string } }>(
    '/api/v1/decisions',
    {
      schema: {
        summary: 'Answer the pending brake with Proceed or Delay',
        headers: idempotencyHeader,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision_type'],
          properties: { decision_type: { type: 'string', enum: ['Proceed', 'Delay'] } },
        },
        response: { 201: decisionResponse, ...commonErrors },
      },
    },
    async (request, reply) => {
      const req = create(RecordDecisionRequestSchema, {
        decision: decisionFromName[request.body.decision_type],
        idempotencyKey: request.headers['idempotency-key'] ?? '',
      });
      const result = await recordDecision(deps, { userId: request.userId, signal: request.hangUp }, req);
      return reply.status(201).send(decisionJson(result.result!));
    },
  );

  app.post<{ Body: { response: 'Yes' | 'No' | 'Skip' }; Headers: { 'idempotency-key'?: string } }>(
    '/api/v1/reflections',
    {
      schema: {
        summary: 'Answer the Day 7 reflection: did pausing help?',
        headers: idempotencyHeader,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['response'],
          properties: { response: { type: 'string', enum: ['Yes', 'No', 'Skip'] } },
        },
        response: { 201: reflectionResponse, ...commonErrors },
      },
    },
    async (request, reply) => {
      const req = create(RecordReflectionRequestSchema, {
        response: responseFromName[request.body.response],
        idempotencyKey: request.headers['idempotency-key'] ?? '',
      });
      const result = await recordReflection(deps, { userId: request.userId, signal: request.hangUp }, req);
      return reply.status(201).send(reflectionJson(result.result!));
    },
  );
}
