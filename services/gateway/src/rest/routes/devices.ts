import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { DeleteDeviceRequestSchema, RegisterDeviceRequestSchema } from '@omtobe/proto/gateway/v1';
import { PushEnvironment } from '@omtobe/proto/integrations/v1';
import { deleteDevice, listDevices, registerDevice } from '../../operations/devices.ts';
import type { RestOptions } from '../app.ts';
import { deviceJson, environmentFromName, platformFromName } from '../json.ts';
import { commonErrors, device } from './schemas.ts';

interface DeviceBody {
  platform: keyof typeof platformFromName;
  token: string;
  environment?: keyof typeof environmentFromName;
}

/** The caller's phones, registered for pushes (the tokens are kept by integrations). */
export function deviceRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.post<{ Body: DeviceBody }>(
    '/api/v1/devices',
    {
      schema: {
        summary: 'Register the caller’s phone for pushes (again on every app start: 200 when already registered)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['platform', 'token'],
          properties: {
            platform: { type: 'string', enum: Object.keys(platformFromName) },
            // The format per platform is checked by the operation (422 invalid_push_token).
            token: { type: 'string', minLength: 1, maxLength: 4096 },
            environment: { type: 'string', enum: Object.keys(environmentFromName), description: 'APNs environment (iOS); production when absent' },
          },
        },
        response: { 200: device, 201: device, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { platform, token, environment } = request.body;
      const req = create(RegisterDeviceRequestSchema, {
        platform: platformFromName[platform],
        token,
        environment: environment ? environmentFromName[environment] : PushEnvironment.UNSPECIFIED,
      });
      const result = await registerDevice(deps, { userId: request.userId, signal: request.hangUp }, req);
      return reply.status(result.created ? 201 : 200).send(deviceJson(result.device!));
    },
  );

  app.get(
    '/api/v1/devices',
    {
      schema: {
        summary: 'The caller’s registered phones, oldest registration first',
        response: { 200: { type: 'object', properties: { devices: { type: 'array', items: device } } }, ...commonErrors },
      },
    },
    async (request) => ({ devices: (await listDevices(deps, { userId: request.userId, signal: request.hangUp })).devices.map(deviceJson) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/devices/:id',
    {
      schema: {
        summary: 'Remove one of the caller’s phones (404 for an id that is not one of them)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 204: { type: 'null' }, ...commonErrors },
      },
    },
    async (request, reply) => {
      await deleteDevice(deps, { userId: request.userId, signal: request.hangUp }, create(DeleteDeviceRequestSchema, { deviceId: request.params.id }));
      return reply.status(204).send();
    },
  );
}
