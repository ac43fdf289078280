import { create, toJson } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { ExportMyDataResponseSchema, RegisterUserRequestSchema } from '@omtobe/proto/gateway/v1';
import { deleteMe, registerUser } from '../../operations/users.ts';
import { exportMyData } from '../../operations/export.ts';
import type { RestOptions } from '../app.ts';
import { commonErrors } from './schemas.ts';

const user = {
  type: 'object',
  properties: { user_id: { type: 'string' }, email: { type: 'string' }, timezone: { type: 'string' }, created: { type: 'boolean' } },
} as const;

/** The caller's profile, export and erasure. */
export function userRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.post<{ Body: { email: string; timezone: string } }>(
    '/api/v1/users',
    {
      schema: {
        summary: 'Register or update the caller’s profile (email, IANA timezone)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'timezone'],
          properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, timezone: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 200: user, 201: user, ...commonErrors },
      },
    },
    async (request, reply) => {
      const result = await registerUser(deps, { userId: request.userId, signal: request.hangUp }, create(RegisterUserRequestSchema, request.body));
      return reply.status(result.created ? 201 : 200).send({
        user_id: result.user!.userId,
        email: result.user!.email,
        timezone: result.user!.timezone,
        created: result.created,
      });
    },
  );

  app.get(
    '/api/v1/me/export',
    { schema: { summary: 'Everything every service holds about the caller, in one document', response: commonErrors } },
    async (request) => toJson(ExportMyDataResponseSchema, await exportMyData(deps, { userId: request.userId, signal: request.hangUp }), { useProtoFieldName: true }),
  );

  app.delete(
    '/api/v1/me',
    {
      schema: {
        summary: 'Erase the caller in every service',
        response: { 202: { type: 'object', properties: { status: { type: 'string' }, deleted: { type: 'boolean' } } }, ...commonErrors },
      },
    },
    async (request, reply) => {
      const result = await deleteMe(deps, { userId: request.userId, signal: request.hangUp });
      return reply.status(202).send({ status: 'erasure_accepted', deleted: result.deleted });
    },
  );
}
