import type { HrvMetricName } from '@omtobe/proto/integrations/v1';
import { connectionsOf } from '../../store/connections.repo.ts';
import type { CalendarSourceName, ConnectionStatus, HrvSourceName, ProviderName, PushKindName, PushStatus } from '../../store/database.ts';
import { eventsOf } from '../../store/calendar-events.repo.ts';
import { deliveriesOf } from '../../store/push-deliveries.repo.ts';
import { samplesOf } from '../../store/samples.repo.ts';
import { listDevices, type DeviceView } from '../push/devices.ts';
import type { Deps } from '../deps.ts';

export interface ConnectionView {
  provider: ProviderName;
  connectedAt: Date;
  lastSyncedAt?: Date;
  status: ConnectionStatus;
}

export interface UserData {
  connections: ConnectionView[];
  samples: Array<{ sampleId: string; metric: HrvMetricName; source: HrvSourceName; valueMs: number; measuredAt: Date }>;
  events: Array<{ eventId: string; source: CalendarSourceName; title: string; startsAt: Date; endsAt: Date }>;
  /** Registered devices, tokens included: a push token is the user's own data. */
  devices: DeviceView[];
  /** The pushes planned for those devices and what became of them (what each said is its kind: no title, no HRV). */
  pushes: PushDeliveryView[];
}

export interface PushDeliveryView {
  deliveryId: string;
  transitionId: string;
  deviceId: string;
  kind: PushKindName;
  eventId?: string;
  status: PushStatus;
  attempts: number;
  createdAt: Date;
  finishedAt?: Date;
  expiresAt: Date;
  lastError?: string;
}

/** A user's connections, never with tokens. */
export async function listConnections(deps: Deps, userId: string): Promise<ConnectionView[]> {
  const rows = await connectionsOf(deps.db, userId);
  return rows.map((c) => ({
    provider: c.provider,
    connectedAt: c.connected_at,
    status: c.status,
    ...(c.last_synced_at ? { lastSyncedAt: c.last_synced_at } : {}),
  }));
}

/** Everything this service holds about a user (the export of a data-access request). Provider OAuth tokens are not the user's data to take away; their own devices' push tokens are. */
export async function exportUserData(deps: Deps, userId: string): Promise<UserData> {
  const [connections, samples, events, devices, pushes] = await Promise.all([
    listConnections(deps, userId),
    samplesOf(deps.db, userId),
    eventsOf(deps.db, userId),
    listDevices(deps, userId),
    deliveriesOf(deps.db, userId),
  ]);
  return {
    connections,
    devices,
    pushes: pushes.map((p) => ({
      deliveryId: p.delivery_id,
      transitionId: p.transition_id,
      deviceId: p.device_id,
      kind: p.kind,
      status: p.status,
      attempts: p.attempts,
      createdAt: p.created_at,
      expiresAt: p.expires_at,
      ...(p.event_id ? { eventId: p.event_id } : {}),
      ...(p.finished_at ? { finishedAt: p.finished_at } : {}),
      ...(p.last_error ? { lastError: p.last_error } : {}),
    })),
    samples: samples.map((s) => ({ sampleId: s.sample_id, metric: s.metric, source: s.source, valueMs: s.value_ms, measuredAt: s.measured_at })),
    events: events.map((e) => ({ eventId: e.event_id, source: e.source, title: e.title, startsAt: e.starts_at, endsAt: e.ends_at })),
  };
}
