import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { DeleteDeviceRequestSchema, RegisterDeviceRequestSchema } from '@omtobe/proto/gateway/v1';
import { PushEnvironment } from '@omtobe/proto/integrations/v1';
import { deleteDevice, listDevices, registerDevice } from '../../operations/devices.ts';
import { deviceJson, environmentFromName, platformFromName } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody } from './responses.ts';
import { ref } from './schemas.ts';

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
        operationId: 'registerDevice',
        tags: ['devices'],
        summary: 'Register the caller’s phone for pushes (again on every app start: 200 when already registered)',
        description:
          'Records an APNs device token (64–200 hex digits) or an FCM registration token for the brake and reflection pushes. 201 for a ' +
          'new token, 200 with the same device for one registered already. Android is always production; iOS without an environment ' +
          'is production. Pushes carry no HRV values or titles.',
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
        response: answers({
          success: { 200: ref('Device'), 201: ref('Device') },
          errors: { ...authenticated, ...jsonBody, 404: true, 409: 'platform_not_served: pushes to this platform are not configured.', 422: 'invalid_push_token.' },
        }),
      },
    },
    async (request, reply) => {
      const { platform, token, environment } = request.body;
      const req = create(RegisterDeviceRequestSchema, {
        platform: platformFromName[platform],
        token,
        environment: environment ? environmentFromName[environment] : PushEnvironment.UNSPECIFIED,
      });
      const result = await registerDevice(deps, callerOf(request), req);
      return reply.status(result.created ? 201 : 200).send(deviceJson(result.device!));
    },
  );

  app.get(
    '/api/v1/devices',
    {
      schema: {
        operationId: 'listDevices',
        tags: ['devices'],
        summary: 'The caller’s registered phones, oldest registration first',
        description: 'Every phone registered for the caller’s pushes.',
        response: answers({ success: { 200: ref('DeviceList') }, errors: { ...authenticated, 404: true } }),
      },
    },
    async (request) => ({ devices: (await listDevices(deps, callerOf(request))).devices.map(deviceJson) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/devices/:id',
    {
      schema: {
        operationId: 'deleteDevice',
        tags: ['devices'],
        summary: 'Remove one of the caller’s phones (404 for an id that is not one of them)',
        description: 'No more pushes go to that phone.',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64, description: 'the device’s id (a UUID)' } } },
        response: answers({
          success: { 204: { type: 'null', description: 'Removed.' } },
          errors: { ...authenticated, ...jsonBody, 404: 'device_not_found (an id that is not one of the caller’s), or user_not_registered.' },
        }),
      },
    },
    async (request, reply) => {
      await deleteDevice(deps, callerOf(request), create(DeleteDeviceRequestSchema, { deviceId: request.params.id }));
      return reply.status(204).send();
    },
  );
}
