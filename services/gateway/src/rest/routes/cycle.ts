import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { ResourceExhaustedError } from '@omtobe/platform';
import { RecordDecisionRequestSchema, RecordReflectionRequestSchema } from '@omtobe/proto/gateway/v1';
import { retryAfterSeconds, type UserRateLimits } from '../../limits/rate-limiter.ts';
import { checkState, getState, recordDecision, recordReflection } from '../../operations/cycle.ts';
import { checkJson, decisionFromName, decisionJson, reflectionJson, responseFromName, stateJson } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody } from './responses.ts';
import { idempotencyHeader, ref, requiredFields } from './schemas.ts';

const answerRefusals = {
  ...authenticated,
  ...jsonBody,
  404: true,
  409: true,
  422: 'A refused value, or idempotency_key_reused: the key was used before for a different request.',
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
      schema: {
        operationId: 'checkState',
        tags: ['cycle'],
        summary: 'Should the brake show now?',
        description:
          'Evaluates the brake for the caller now (the app polls this about once a minute as the fallback to pushes and the stream). ' +
          '`should_display` is true on Days 3–5 while a high-stakes event runs, the latest HRV reading is fresh and at most 80% of the ' +
          'baseline, no cooling period runs and the caller has not answered Proceed for that event; otherwise `reason` says which condition ' +
          'failed. Limited per user (429 with Retry-After; the same count as CheckState over Connect).',
        response: answers({
          success: { 200: ref('BrakeCheck') },
          errors: { ...authenticated, ...jsonBody, 404: true, 429: true, 503: 'Retryable: dependency_unavailable, registration_in_progress or brake_state_contended.' },
        }),
      },
    },
    async (request) => checkJson((await checkState(deps, callerOf(request))).brake!),
  );

  app.get(
    '/api/v1/state',
    {
      schema: {
        operationId: 'getState',
        tags: ['cycle'],
        summary: 'The caller’s cycle, cooling, locks and reflection window now',
        description:
          'Day and phase of the cycle, the cooling period, the events the caller answered Proceed for, the pending brake, the reflection ' +
          'window (`should_display_reflection` from 09:00 local on Day 7 until answered or the day ends), the latest HRV reading with its ' +
          'baseline, today’s high-stakes events and the current `prompt`. 404 from the moment the caller is erased.',
        response: answers({ success: { 200: ref('State') }, errors: { ...authenticated, 404: true } }),
      },
    },
    async (request) => stateJson((await getState(deps, callerOf(request))).state!),
  );

  app.post<{ Body: { decision_type: 'Proceed' | 'Delay' }; Headers: { 'idempotency-key'?: string } }>(
    '/api/v1/decisions',
    {
      schema: {
        operationId: 'recordDecision',
        tags: ['cycle'],
        summary: 'Answer the pending brake with Proceed or Delay',
        description:
          'Delay starts a 20-minute cooling period (`re_trigger_time`), after which the brake shows again if its conditions still hold; ' +
          'Proceed silences the brake for that event only. Logged with its time and cycle day only. 409 no_pending_brake when no brake ' +
          'waits for an answer. With an Idempotency-Key, a retry answers the first answer again (201, same body) and records once.',
        headers: idempotencyHeader,
        body: requiredFields({ decision_type: ref('DecisionType') }),
        response: answers({ success: { 201: ref('DecisionRecorded') }, errors: answerRefusals }),
      },
    },
    async (request, reply) => {
      const req = create(RecordDecisionRequestSchema, {
        decision: decisionFromName[request.body.decision_type],
        idempotencyKey: request.headers['idempotency-key'] ?? '',
      });
      const result = await recordDecision(deps, callerOf(request), req);
      return reply.status(201).send(decisionJson(result.result!));
    },
  );

  app.post<{ Body: { response: 'Yes' | 'No' | 'Skip' }; Headers: { 'idempotency-key'?: string } }>(
    '/api/v1/reflections',
    {
      schema: {
        operationId: 'recordReflection',
        tags: ['cycle'],
        summary: 'Answer the Day 7 reflection: did pausing help?',
        description:
          'Records the answer (its time and the cycle start only) and starts the next cycle at the next local midnight (`cycle_reset`). ' +
          '409 reflection_not_open outside the window, reflection_already_answered after an answer. With an Idempotency-Key, a retry ' +
          'answers the first answer again (201, same body) and records once.',
        headers: idempotencyHeader,
        body: requiredFields({ response: ref('ReflectionResponse') }),
        response: answers({ success: { 201: ref('ReflectionRecorded') }, errors: answerRefusals }),
      },
    },
    async (request, reply) => {
      const req = create(RecordReflectionRequestSchema, {
        response: responseFromName[request.body.response],
        idempotencyKey: request.headers['idempotency-key'] ?? '',
      });
      const result = await recordReflection(deps, callerOf(request), req);
      return reply.status(201).send(reflectionJson(result.result!));
    },
  );
}
