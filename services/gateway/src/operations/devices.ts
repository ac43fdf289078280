import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, NotFoundError } from '@omtobe/platform';
import {
  DeleteDeviceResponseSchema,
  ListDevicesResponseSchema,
  RegisterDeviceResponseSchema,
  type DeleteDeviceRequest,
  type DeleteDeviceResponse,
  type ListDevicesResponse,
  type RegisterDeviceRequest,
  type RegisterDeviceResponse,
} from '@omtobe/proto/gateway/v1';
import { DevicePlatform, PushEnvironment } from '@omtobe/proto/integrations/v1';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { forRegisteredUser } from './registered-user.ts';

// The push tokens APNs and FCM issue (integrations.proto RegisterDeviceRequest.token): checked here too, so a
// malformed token is the caller's 422 whatever integrations would make of it.
const apnsToken = /^[0-9A-Fa-f]{64,200}$/;
const fcmToken = /^[A-Za-z0-9_:.-]{1,4096}$/;
const maxTokenLength = 4_096;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST /devices: records the caller's phone for pushes; the same token again answers the same device. */
export async function registerDevice(deps: Deps, caller: Caller, req: RegisterDeviceRequest): Promise<RegisterDeviceResponse> {
  const { platform, token } = req;
  if (platform !== DevicePlatform.IOS && platform !== DevicePlatform.ANDROID) {
    throw new InvalidArgumentError('platform must be ios or android', { reason: 'invalid_platform' });
  }
  // Lengths before patterns, on every field a caller sends (the patterns bound them too, but only after a scan).
  if (token.length > maxTokenLength || !(platform === DevicePlatform.IOS ? apnsToken : fcmToken).test(token)) {
    const expected = platform === DevicePlatform.IOS ? 'an APNs device token (64-200 hex digits)' : 'an FCM registration token';
    throw new InvalidArgumentError(`token is not ${expected}`, { reason: 'invalid_push_token' });
  }
  if (!Object.values(PushEnvironment).includes(req.environment)) {
    throw new InvalidArgumentError('environment must be sandbox or production', { reason: 'invalid_environment' });
  }
  // Android has no sandbox; an iOS token without an environment is a production one (integrations.proto).
  const environment = platform === DevicePlatform.IOS && req.environment === PushEnvironment.SANDBOX ? PushEnvironment.SANDBOX : PushEnvironment.PRODUCTION;
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) =>
    deps.peers.integrations.registerDevice({ userId: caller.userId, platform, token, environment }, options),
  );
  return create(RegisterDeviceResponseSchema, { ...(reply.device ? { device: reply.device } : {}), created: reply.created });
}

/** GET /devices: the caller's phones, oldest registration first. */
export async function listDevices(deps: Deps, caller: Caller): Promise<ListDevicesResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.listDevices({ userId: caller.userId }, options));
  return create(ListDevicesResponseSchema, { devices: reply.devices });
}

/** DELETE /devices/{id}: one of the caller's phones; NOT_FOUND for an id that is not one of them. */
export async function deleteDevice(deps: Deps, caller: Caller, req: DeleteDeviceRequest): Promise<DeleteDeviceResponse> {
  // Device ids are UUIDs: anything else names no device of anyone's.
  if (req.deviceId.length !== 36 || !uuid.test(req.deviceId)) throw new NotFoundError('no such device', { reason: 'device_not_found' });
  await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.deleteDevice({ userId: caller.userId, deviceId: req.deviceId }, options));
  return create(DeleteDeviceResponseSchema, {});
}
