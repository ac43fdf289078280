import { requireUserId } from '@omtobe/rules';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { advanceDevClock } from '@omtobe/db';
import { InvalidArgumentError } from '@omtobe/platform';
import {
  AdvanceDevClockResponseSchema,
  CompleteConnectionResponseSchema,
  DeleteDeviceResponseSchema,
  ListDevicesResponseSchema,
  RegisterDeviceResponseSchema,
  DisconnectResponseSchema,
  ExportUserDataResponseSchema,
  HandleCalendarNotificationResponseSchema,
  HandleGraphNotificationResponseSchema,
  HandleWhoopWebhookResponseSchema,
  InjectHighStakesEventResponseSchema,
  InjectHrvDropResponseSchema,
  IntegrationsService,
  ListConnectionsResponseSchema,
  RedeemConnectionResponseSchema,
  StartConnectionResponseSchema,
  UploadCalendarEventsResponseSchema,
  UploadHrvSamplesResponseSchema,
} from '@omtobe/proto/integrations/v1';
import { completeConnection } from '../operations/connections/complete-connection.ts';
import { disconnect } from '../operations/connections/disconnect.ts';
import { redeemConnection } from '../operations/connections/redeem-connection.ts';
import { startConnection } from '../operations/connections/start-connection.ts';
import { exportUserData, listConnections } from '../operations/connections/user-data.ts';
import { injectHighStakesEvent } from '../providers/mock/mock-calendar.ts';
import { injectHrvDrop, mockOf } from '../providers/mock/mock-hrv.ts';
import { handleCalendarNotification } from '../providers/google/calendar-notification.ts';
import { uploadCalendarEvents } from '../providers/device/upload-calendar-events.ts';
import { handleGraphWebhook } from '../providers/microsoft/graph-notifications.ts';
import { microsoftOf } from '../providers/microsoft/microsoft-deps.ts';
import { uploadSamples } from '../providers/healthkit/upload-samples.ts';
import { handleWhoopWebhook } from '../providers/whoop/whoop-webhook.ts';
import { deleteDevice, listDevices, registerDevice } from '../operations/push/devices.ts';
import type { Deps } from '../operations/deps.ts';
import {
  answerToProto,
  calendarAnswerToProto,
  connectionToProto,
  deviceEventFromProto,
  deviceToProto,
  pushDeliveryToProto,
  environmentFromProto,
  eventToProto,
  platformFromProto,
  providerFromProto,
  providerToProto,
  sampleToProto,
} from './mappers.ts';

const DEVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requireDeviceId(deviceId: string): string {
  if (deviceId.length !== 36 || !DEVICE_ID.test(deviceId)) throw new InvalidArgumentError('device_id must be a device id (a UUID)', { reason: 'invalid_device_id' });
  return deviceId;
}

function boundedText(name: string, value: string, max: number): string {
  if (value.length > max) throw new InvalidArgumentError(`${name} must be at most ${max} characters`, { reason: `invalid_${name}` });
  return value;
}

/** An injected meeting lasts from a minute to a day (negative, zero and absurd durations are refused). */
function requireMeetingMs(ms: number): number {
  if (!(ms >= 60_000 && ms <= 24 * 3_600_000)) throw new InvalidArgumentError('duration must be 1 minute to 24 hours', { reason: 'invalid_duration' });
  return ms;
}

/** The integrations RPCs: validate, run the use case, map to the contract. */
export function integrationsRoutes(deps: Deps) {
  return (router: ConnectRouter) => {
    router.service(IntegrationsService, {
      async uploadHrvSamples(req) {
        const userId = requireUserId(req.userId);
        const answers = await uploadSamples(
          deps,
          userId,
          req.samples.map((s) => ({
            uuid: s.uuid,
            value: s.value,
            unit: s.unit,
            ...(s.start ? { start: timestampDate(s.start) } : {}),
            ...(s.end ? { end: timestampDate(s.end) } : {}),
          })),
        );
        return create(UploadHrvSamplesResponseSchema, { results: answers.map(answerToProto) });
      },
      async uploadCalendarEvents(req) {
        const userId = requireUserId(req.userId);
        const window = { ...(req.windowStart ? { start: timestampDate(req.windowStart) } : {}), ...(req.windowEnd ? { end: timestampDate(req.windowEnd) } : {}) };
        const answer = await uploadCalendarEvents(deps, userId, window, req.events.map(deviceEventFromProto));
        return create(UploadCalendarEventsResponseSchema, { results: answer.results.map(calendarAnswerToProto), withdrawn: answer.withdrawn });
      },
      async startConnection(req) {
        const started = await startConnection(deps, requireUserId(req.userId), providerFromProto(req.provider));
        return create(StartConnectionResponseSchema, { authorizationUrl: started.authorizationUrl, expiresAt: timestampFromDate(started.expiresAt) });
      },
      async completeConnection(req) {
        const done = await completeConnection(deps, {
          provider: providerFromProto(req.provider),
          code: boundedText('code', req.code, 2048),
          state: boundedText('state', req.state, 256),
          error: boundedText('error', req.error, 256),
        });
        return create(CompleteConnectionResponseSchema, {
          userId: done.userId,
          provider: providerToProto[done.provider],
          appRedirectUrl: done.appRedirectUrl,
          redeemBy: timestampFromDate(done.redeemBy),
        });
      },
      async redeemConnection(req) {
        const done = await redeemConnection(deps, requireUserId(req.userId), providerFromProto(req.provider), boundedText('code', req.code, 256));
        return create(RedeemConnectionResponseSchema, { provider: req.provider, connectedAt: timestampFromDate(done.connectedAt) });
      },
      async disconnect(req) {
        return create(DisconnectResponseSchema, { disconnected: await disconnect(deps, requireUserId(req.userId), providerFromProto(req.provider)) });
      },
      async listConnections(req) {
        const connections = await listConnections(deps, requireUserId(req.userId));
        return create(ListConnectionsResponseSchema, { connections: connections.map(connectionToProto) });
      },
      async handleWhoopWebhook(req) {
        if (req.body.length > 64 * 1024) throw new InvalidArgumentError('webhook body too large', { reason: 'body_too_large' });
        const result = await handleWhoopWebhook(deps, { body: req.body, signature: boundedText('signature', req.signature, 256), timestamp: boundedText('timestamp', req.signatureTimestamp, 32) });
        return create(HandleWhoopWebhookResponseSchema, { applied: result.applied });
      },
      async handleCalendarNotification(req) {
        const result = await handleCalendarNotification(deps, {
          channelId: boundedText('channel_id', req.channelId, 128),
          channelToken: boundedText('channel_token', req.channelToken, 256),
          resourceId: boundedText('resource_id', req.resourceId, 256),
          resourceState: req.resourceState,
          messageNumber: req.messageNumber,
        });
        return create(HandleCalendarNotificationResponseSchema, { syncStarted: result.syncStarted });
      },
      async handleGraphNotification(req) {
        const ms = microsoftOf(deps);
        if (req.body.length > 64 * 1024) throw new InvalidArgumentError('notification body too large', { reason: 'body_too_large' });
        // Graph's handshake always carries a token: an empty one is no handshake (and then no notification either).
        const answer = await handleGraphWebhook(ms, {
          ...(req.validationToken === '' ? {} : { validationToken: req.validationToken }),
          body: Buffer.from(req.body).toString('utf8'),
        });
        return create(HandleGraphNotificationResponseSchema, { status: answer.status, contentType: answer.contentType, body: answer.body });
      },
      async exportUserData(req) {
        const data = await exportUserData(deps, requireUserId(req.userId));
        return create(ExportUserDataResponseSchema, {
          connections: data.connections.map(connectionToProto),
          hrvSamples: data.samples.map(sampleToProto),
          events: data.events.map(eventToProto),
          devices: data.devices.map(deviceToProto),
          pushDeliveries: data.pushes.map(pushDeliveryToProto),
        });
      },
      async registerDevice(req) {
        const userId = requireUserId(req.userId);
        const registered = await registerDevice(deps, userId, {
          platform: platformFromProto(req.platform),
          environment: environmentFromProto(req.environment),
          token: boundedText('device_token', req.token, 4096),
        });
        return create(RegisterDeviceResponseSchema, { device: deviceToProto(registered.device), created: registered.created });
      },
      async listDevices(req) {
        const devices = await listDevices(deps, requireUserId(req.userId));
        return create(ListDevicesResponseSchema, { devices: devices.map(deviceToProto) });
      },
      async deleteDevice(req) {
        await deleteDevice(deps, requireUserId(req.userId), requireDeviceId(req.deviceId));
        return create(DeleteDeviceResponseSchema, {});
      },
      async injectHrvDrop(req) {
        mockOf(deps);
        if (!(req.dropPercent >= 1 && req.dropPercent <= 90)) throw new InvalidArgumentError('drop_percent must be 1-90', { reason: 'invalid_drop_percent' });
        const row = await injectHrvDrop(deps, requireUserId(req.userId), req.dropPercent);
        return create(InjectHrvDropResponseSchema, {
          sample: sampleToProto({ sampleId: row.sample_id, metric: row.metric, source: row.source, valueMs: row.value_ms, measuredAt: row.measured_at }),
        });
      },
      async injectHighStakesEvent(req) {
        mockOf(deps);
        const title = boundedText('title', req.title.trim(), 200) || 'Board Meeting';
        const event = await injectHighStakesEvent(deps, requireUserId(req.userId), title, requireMeetingMs(req.duration ? durationMs(req.duration) : 3_600_000));
        return create(InjectHighStakesEventResponseSchema, { event: eventToProto(event) });
      },
      async advanceDevClock(req) {
        const moved = await advanceDevClock(deps.devClock, req.offset ? durationMs(req.offset) : 0);
        // The worker catches up at once: the mock stream's reading and the mock calendar's days of the new "now".
        deps.wake();
        return create(AdvanceDevClockResponseSchema, { offset: durationFromMs(moved.offsetMs), now: timestampFromDate(moved.now) });
      },
    });
  };
}
