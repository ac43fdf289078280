import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { RegisterUserRequestSchema } from '@omtobe/proto/gateway/v1';
import { deleteMe, registerUser } from '../../operations/users.ts';
import { exportMyData } from '../../operations/export.ts';
import { exportJson, userJson } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody } from './responses.ts';
import { ref, requiredFields } from './schemas.ts';

/** The caller's profile, export and erasure. */
export function userRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.post<{ Body: { email: string; timezone: string } }>(
    '/api/v1/users',
    {
      schema: {
        operationId: 'registerUser',
        tags: ['users'],
        summary: 'Register or update the caller’s profile (email, IANA timezone)',
        description:
          'The first call registers the caller (201) and starts their cycle; later calls update the profile (200). The timezone is an ' +
          'IANA name (not an offset such as "+05") and is stored in its canonical spelling; days are counted in it. The services behind ' +
          'the gateway learn of a new user within about a second: until then, operations about the caller answer 503 ' +
          'registration_in_progress (Retry-After: 1). Registering after an erasure starts a new, empty registration.',
        body: requiredFields({ email: { type: 'string', minLength: 3, maxLength: 254 }, timezone: { type: 'string', minLength: 1, maxLength: 64 } }),
        response: answers({
          success: { 200: ref('UserRegistered'), 201: ref('UserRegistered') },
          errors: { ...authenticated, ...jsonBody, 422: 'invalid_email or invalid_timezone.' },
        }),
      },
    },
    async (request, reply) => {
      const result = await registerUser(deps, callerOf(request), create(RegisterUserRequestSchema, request.body));
      return reply.status(result.created ? 201 : 200).send({ ...userJson(result.user), created: result.created });
    },
  );

  app.get(
    '/api/v1/me/export',
    {
      schema: {
        operationId: 'exportMyData',
        tags: ['users'],
        summary: 'Everything every service holds about the caller, in one document',
        description:
          'The profile, the cycle state (the GET /api/v1/state document; null while the state engine does not know the caller yet), the ' +
          'logged decisions and reflections, and what integrations holds: provider connections (never their tokens), HRV samples, ' +
          'high-stakes events and registered phones. Names and values are those of the other answers; every field is present. ' +
          '404 user_not_registered from the moment DELETE /api/v1/me answers.',
        response: answers({ success: { 200: ref('Export') }, errors: { ...authenticated, 404: true } }),
      },
    },
    async (request) => exportJson(await exportMyData(deps, callerOf(request))),
  );

  app.delete(
    '/api/v1/me',
    {
      schema: {
        operationId: 'deleteMe',
        tags: ['users'],
        summary: 'Erase the caller in every service',
        description:
          'Answers 202 once the profile is deleted and the erasure is published (users.v1 UserDeleted). From that moment every operation ' +
          'about the caller answers 404 user_not_registered — reads too: state, check, history, export, devices, the stream (open ' +
          'streams end). The other services delete their rows when they apply the erasure, normally within a second; the decision ' +
          'log, HRV samples, events, provider connections and push tokens are gone then. Idempotent: a caller without a profile gets ' +
          '202 with `deleted: false`, and whatever of theirs reached the services is erased all the same. Registering again (POST ' +
          '/api/v1/users) starts a new, empty registration; within that first second a read may still answer from the erased one ' +
          'until the services have applied the erasure.',
        response: answers({ success: { 202: ref('ErasureAccepted') }, errors: { ...authenticated, ...jsonBody } }),
      },
    },
    async (request, reply) => {
      const result = await deleteMe(deps, callerOf(request));
      return reply.status(202).send({ status: 'erasure_accepted', deleted: result.deleted });
    },
  );
}
