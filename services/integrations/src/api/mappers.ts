import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CalendarEventOutcome,
  CalendarEventResultSchema,
  DeviceEventStatus,
  type CalendarEventResult,
  type DeviceCalendarEvent,
  ConnectionSchema,
  ConnectionStatus,
  DevicePlatform,
  DeviceSchema,
  PushEnvironment,
  type Device,
  ExportedPushDeliverySchema,
  PushDeliveryStatus,
  PushKind,
  type ExportedPushDelivery,
  ExportedEventSchema,
  ExportedHrvSampleSchema,
  hrvMetricToProto,
  Provider,
  SampleOutcome,
  SampleResultSchema,
  type Connection,
  type ExportedEvent,
  type ExportedHrvSample,
  type SampleResult,
} from '@omtobe/proto/integrations/v1';
import { InvalidArgumentError } from '@omtobe/platform';
import type { ConnectionView, PushDeliveryView, UserData } from '../operations/connections/user-data.ts';
import type { DevicePlatformName, PushEnvironmentName } from '../domain/device-token.ts';
import type { DeviceView } from '../operations/push/devices.ts';
import type { UploadedDeviceEvent } from '../domain/device-calendar.ts';
import { calendarSourceToProto } from '../operations/ingest/calendar-items.ts';
import { sourceToProto } from '../operations/ingest/hrv-samples.ts';
import type { EventAnswer } from '../providers/device/upload-calendar-events.ts';
import type { SampleAnswer } from '../providers/healthkit/upload-samples.ts';
import type { CalendarSourceName, ProviderName, PushKindName, PushStatus } from '../store/database.ts';

export function providerFromProto(provider: Provider): ProviderName {
  if (provider === Provider.WHOOP) return 'whoop';
  if (provider === Provider.GOOGLE_CALENDAR) return 'google_calendar';
  if (provider === Provider.MICROSOFT) return 'microsoft';
  throw new InvalidArgumentError('provider must be WHOOP, GOOGLE_CALENDAR or MICROSOFT', { reason: 'invalid_provider' });
}

export const providerToProto: Record<ProviderName, Provider> = { whoop: Provider.WHOOP, google_calendar: Provider.GOOGLE_CALENDAR, microsoft: Provider.MICROSOFT };

const outcomeToProto = { accepted: SampleOutcome.ACCEPTED, duplicate: SampleOutcome.DUPLICATE, rejected: SampleOutcome.REJECTED } as const;

export function answerToProto(a: SampleAnswer): SampleResult {
  return create(SampleResultSchema, { uuid: a.uuid, outcome: outcomeToProto[a.outcome], reason: a.outcome === 'rejected' ? a.reason : '' });
}

export function connectionToProto(c: ConnectionView): Connection {
  return create(ConnectionSchema, {
    provider: providerToProto[c.provider],
    connectedAt: timestampFromDate(c.connectedAt),
    status: c.status === 'active' ? ConnectionStatus.ACTIVE : ConnectionStatus.REAUTH_REQUIRED,
    ...(c.lastSyncedAt ? { lastSyncedAt: timestampFromDate(c.lastSyncedAt) } : {}),
  });
}

export function sampleToProto(s: UserData['samples'][number]): ExportedHrvSample {
  return create(ExportedHrvSampleSchema, {
    sampleId: s.sampleId,
    metric: hrvMetricToProto(s.metric),
    source: sourceToProto[s.source],
    valueMs: s.valueMs,
    measuredAt: timestampFromDate(s.measuredAt),
  });
}

export function eventToProto(e: { eventId: string; title: string; startsAt: Date; endsAt: Date; source?: CalendarSourceName }): ExportedEvent {
  return create(ExportedEventSchema, {
    eventId: e.eventId,
    title: e.title,
    startsAt: timestampFromDate(e.startsAt),
    endsAt: timestampFromDate(e.endsAt),
    ...(e.source ? { source: calendarSourceToProto[e.source] } : {}),
  });
}

const deviceStatusFromProto = {
  [DeviceEventStatus.UNSPECIFIED]: 'confirmed',
  [DeviceEventStatus.CONFIRMED]: 'confirmed',
  [DeviceEventStatus.TENTATIVE]: 'tentative',
  [DeviceEventStatus.CANCELLED]: 'cancelled',
} as const satisfies Record<DeviceEventStatus, UploadedDeviceEvent['status']>;

/** An uploaded phone event; a status this build does not know is refused (a newer app against an older service). */
export function deviceEventFromProto(e: DeviceCalendarEvent): UploadedDeviceEvent {
  const status = (deviceStatusFromProto as Partial<Record<number, UploadedDeviceEvent['status']>>)[e.status];
  if (!status) throw new InvalidArgumentError('status must be CONFIRMED, TENTATIVE or CANCELLED', { reason: 'invalid_status' });
  return {
    eventId: e.eventId,
    title: e.title,
    allDay: e.allDay,
    status,
    ...(e.start ? { start: timestampDate(e.start) } : {}),
    ...(e.end ? { end: timestampDate(e.end) } : {}),
  };
}

const calendarOutcomeToProto = { stored: CalendarEventOutcome.STORED, ignored: CalendarEventOutcome.IGNORED, rejected: CalendarEventOutcome.REJECTED } as const;

export function calendarAnswerToProto(a: EventAnswer): CalendarEventResult {
  return create(CalendarEventResultSchema, { eventId: a.eventId, outcome: calendarOutcomeToProto[a.outcome], reason: a.outcome === 'stored' ? '' : a.reason });
}

/** Unspecified (or unknown) → undefined: device-token.ts refuses it with `invalid_platform`. */
export function platformFromProto(platform: DevicePlatform): DevicePlatformName | undefined {
  if (platform === DevicePlatform.IOS) return 'ios';
  if (platform === DevicePlatform.ANDROID) return 'android';
  return undefined;
}

/** Unspecified → production, as the contract says. */
export function environmentFromProto(environment: PushEnvironment): PushEnvironmentName {
  if (environment === PushEnvironment.SANDBOX) return 'sandbox';
  if (environment === PushEnvironment.PRODUCTION || environment === PushEnvironment.UNSPECIFIED) return 'production';
  throw new InvalidArgumentError('environment must be SANDBOX or PRODUCTION', { reason: 'invalid_environment' });
}

export function deviceToProto(d: DeviceView): Device {
  return create(DeviceSchema, {
    deviceId: d.deviceId,
    platform: d.platform === 'ios' ? DevicePlatform.IOS : DevicePlatform.ANDROID,
    environment: d.environment === 'sandbox' ? PushEnvironment.SANDBOX : PushEnvironment.PRODUCTION,
    token: d.token,
    registeredAt: timestampFromDate(d.registeredAt),
    updatedAt: timestampFromDate(d.updatedAt),
  });
}

const pushKinds: Record<PushKindName, PushKind> = { brake: PushKind.BRAKE, reflection: PushKind.REFLECTION, reading: PushKind.READING };
const pushStatuses: Record<PushStatus, PushDeliveryStatus> = {
  pending: PushDeliveryStatus.PENDING,
  sent: PushDeliveryStatus.SENT,
  device_gone: PushDeliveryStatus.DEVICE_GONE,
  expired: PushDeliveryStatus.EXPIRED,
  cancelled: PushDeliveryStatus.CANCELLED,
  dead: PushDeliveryStatus.DEAD,
};

export function pushDeliveryToProto(p: PushDeliveryView): ExportedPushDelivery {
  return create(ExportedPushDeliverySchema, {
    deliveryId: p.deliveryId,
    transitionId: p.transitionId,
    deviceId: p.deviceId,
    kind: pushKinds[p.kind],
    eventId: p.eventId ?? '',
    status: pushStatuses[p.status],
    attempts: p.attempts,
    createdAt: timestampFromDate(p.createdAt),
    expiresAt: timestampFromDate(p.expiresAt),
    ...(p.finishedAt ? { finishedAt: timestampFromDate(p.finishedAt) } : {}),
    lastError: p.lastError ?? '',
  });
}
