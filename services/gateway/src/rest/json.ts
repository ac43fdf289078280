import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { DecisionEntry, ExportUserDataResponse as LogExport, ReflectionEntry } from '@omtobe/proto/decision-log/v1';
import type { ExportMyDataResponse, User } from '@omtobe/proto/gateway/v1';
import {
  ConnectionStatus,
  DevicePlatform,
  HrvMetric,
  HrvSource,
  Provider,
  PushEnvironment,
  type Connection,
  type Device,
  type ExportedEvent,
  type ExportedHrvSample,
  type ExportedPushDelivery,
  PushDeliveryStatus,
  PushKind,
  type ExportUserDataResponse as IntegrationsExport,
} from '@omtobe/proto/integrations/v1';
import {
  BrakeReason,
  Decision,
  NextAction,
  Phase,
  PromptKind,
  PromptTransitionKind,
  ReflectionClosedReason,
  ReflectionResponse,
  type Baseline,
  type CheckBrakeResponse,
  type GetStateResponse,
  type HighStakesEvent,
  type HrvReading,
  type Prompt,
  type PromptEvent,
  type PromptTransition,
  type SubmitDecisionResponse,
  type SubmitReflectionResponse,
} from '@omtobe/proto/state-engine/v1';

// The app's JSON: seed 000's field names and shapes (snake_case, "Intervention Logic", "Delay", UTC `Z` times),
// with the user taken from the token instead of a user_id field.

export const iso = (t: Timestamp | undefined): string | null => (t ? timestampDate(t).toISOString() : null);

const phaseNames: Record<Phase, string | null> = {
  [Phase.UNSPECIFIED]: null,
  [Phase.TOTAL_SILENCE]: 'Total Silence',
  [Phase.INTERVENTION_LOGIC]: 'Intervention Logic',
  [Phase.PREPARATION]: 'Preparation',
  [Phase.REFLECTION]: 'Reflection',
};

export const decisionNames = { [Decision.PROCEED]: 'Proceed', [Decision.DELAY]: 'Delay' } as Record<Decision, 'Proceed' | 'Delay'>;
export const decisionFromName = { Proceed: Decision.PROCEED, Delay: Decision.DELAY } as const;
export const responseNames = {
  [ReflectionResponse.YES]: 'Yes',
  [ReflectionResponse.NO]: 'No',
  [ReflectionResponse.SKIP]: 'Skip',
} as Record<ReflectionResponse, 'Yes' | 'No' | 'Skip'>;
export const responseFromName = { Yes: ReflectionResponse.YES, No: ReflectionResponse.NO, Skip: ReflectionResponse.SKIP } as const;

const reasonName = (r: BrakeReason): string | null => (r === BrakeReason.UNSPECIFIED ? null : BrakeReason[r]!.toLowerCase());
const metricName = (m: HrvMetric): string | null => (m === HrvMetric.UNSPECIFIED ? null : HrvMetric[m]!.toLowerCase());

/** A high-stakes event (the state engine's, or as integrations stored it: the same fields). */
export const eventJson = (e: HighStakesEvent | ExportedEvent) => ({ id: e.eventId, title: e.title, starts_at: iso(e.startsAt), ends_at: iso(e.endsAt) });
const event = (e: HighStakesEvent | undefined) => (e ? eventJson(e) : null);

function hrv(current: HrvReading | undefined, baseline: Baseline | undefined) {
  return {
    hrv_current: current?.valueMs ?? null,
    hrv_metric: current ? metricName(current.metric) : null,
    hrv_measured_at: iso(current?.measuredAt),
    hrv_baseline_mean: baseline?.meanMs ?? null,
    hrv_baseline_std_dev: baseline?.stdDevMs ?? null,
  };
}

export function checkJson(b: CheckBrakeResponse) {
  return {
    should_display: b.shouldDisplay,
    event_id: b.event?.eventId ?? null,
    event: event(b.event),
    reason: reasonName(b.reason),
    current_day: b.currentDay,
    phase: phaseNames[b.phase],
    ...hrv(b.hrvCurrent, b.hrvBaseline),
    cooling_until: iso(b.coolingUntil),
    decision_locked: b.decisionLocked,
    timestamp: iso(b.evaluatedAt),
  };
}

export function stateJson(s: GetStateResponse) {
  return {
    current_day: s.currentDay,
    phase: phaseNames[s.phase],
    timezone: s.timezone,
    cycle_start: iso(s.cycleStart),
    next_cycle_start: iso(s.nextCycleStart),
    cooling_period_active: s.coolingActive,
    cooling_until: iso(s.coolingUntil),
    locked_event_ids: s.lockedEventIds,
    pending_brake_event: event(s.pendingBrakeEvent),
    should_display_reflection: s.shouldDisplayReflection,
    reflection_opens_at: iso(s.reflectionOpensAt),
    reflection_answered: s.reflectionAnswered,
    ...hrv(s.hrvCurrent, s.hrvBaseline),
    upcoming_events: s.upcomingEvents.map(eventJson),
    prompt: promptJson(s.prompt),
    timestamp: iso(s.evaluatedAt),
  };
}

// The live stream's vocabulary: enum names in snake_case without their prefix ("brake_raised", "cooling").
const enumName = (names: Record<number, string>, value: number): string | null => (value === 0 ? null : (names[value]?.toLowerCase() ?? null));

const promptEventJson = (e: PromptEvent | undefined) => (e ? { id: e.eventId, starts_at: iso(e.startsAt), ends_at: iso(e.endsAt) } : null);

/** What the app should show now (GetState's and a transition's `prompt`); null while the engine sets none. */
export function promptJson(p: Prompt | undefined) {
  if (!p) return null;
  return {
    kind: enumName(PromptKind, p.kind),
    event: promptEventJson(p.event),
    expires_at: iso(p.expiresAt),
    cycle_day: p.cycleDay,
    sequence: Number(p.sequence),
  };
}

/** A `transition` event of GET /state/stream. */
export function transitionJson(t: PromptTransition) {
  return {
    transition_id: t.transitionId,
    kind: enumName(PromptTransitionKind, t.kind),
    event: promptEventJson(t.event),
    withdrawn_reason: reasonName(t.withdrawnReason),
    reflection_closed_reason: enumName(ReflectionClosedReason, t.reflectionClosedReason),
    prompt: promptJson(t.prompt),
    expires_at: iso(t.expiresAt),
    cycle_day: t.cycleDay,
    occurred_at: iso(t.occurredAt),
    sequence: Number(t.sequence),
  };
}

export const platformNames = { [DevicePlatform.IOS]: 'ios', [DevicePlatform.ANDROID]: 'android' } as Record<DevicePlatform, 'ios' | 'android' | undefined>;
export const platformFromName = { ios: DevicePlatform.IOS, android: DevicePlatform.ANDROID } as const;
export const environmentFromName = { sandbox: PushEnvironment.SANDBOX, production: PushEnvironment.PRODUCTION } as const;

export function deviceJson(d: Device) {
  return {
    id: d.deviceId,
    platform: platformNames[d.platform] ?? null,
    environment: d.environment === PushEnvironment.SANDBOX ? 'sandbox' : 'production',
    token: d.token,
    registered_at: iso(d.registeredAt),
    updated_at: iso(d.updatedAt),
  };
}

const pushKindNames: Record<PushKind, string | null> = {
  [PushKind.UNSPECIFIED]: null,
  [PushKind.BRAKE]: 'brake',
  [PushKind.REFLECTION]: 'reflection',
  [PushKind.READING]: 'reading',
};
const pushStatusNames: Record<PushDeliveryStatus, string | null> = {
  [PushDeliveryStatus.UNSPECIFIED]: null,
  [PushDeliveryStatus.PENDING]: 'pending',
  [PushDeliveryStatus.SENT]: 'sent',
  [PushDeliveryStatus.DEVICE_GONE]: 'device_gone',
  [PushDeliveryStatus.EXPIRED]: 'expired',
  [PushDeliveryStatus.CANCELLED]: 'cancelled',
  [PushDeliveryStatus.DEAD]: 'dead',
};

export function pushDeliveryJson(p: ExportedPushDelivery) {
  return {
    id: p.deliveryId,
    transition_id: p.transitionId,
    device_id: p.deviceId,
    kind: pushKindNames[p.kind],
    event_id: p.eventId || null,
    status: pushStatusNames[p.status],
    attempts: p.attempts,
    created_at: iso(p.createdAt),
    finished_at: iso(p.finishedAt),
    expires_at: iso(p.expiresAt),
    last_error: p.lastError || null,
  };
}

export function decisionJson(d: SubmitDecisionResponse) {
  return {
    status: 'decision_recorded',
    decision_id: d.decisionId,
    decision_type: decisionNames[d.decision],
    timestamp: iso(d.recordedAt),
    day: d.cycleDay,
    next_action: d.nextAction === NextAction.COOLING_PERIOD_ACTIVATED ? 'cooling_period_activated' : 'decision_locked',
    re_trigger_time: iso(d.reTriggerTime),
  };
}

export function reflectionJson(r: SubmitReflectionResponse) {
  return {
    status: 'reflection_recorded',
    reflection_id: r.reflectionId,
    response: responseNames[r.response],
    timestamp: iso(r.recordedAt),
    cycle_reset: { status: 'cycle_reset', new_cycle_start: iso(r.newCycleStart), current_day: r.newCycleDay },
  };
}

export const decisionEntryJson = (d: DecisionEntry) => ({
  decision_id: d.decisionId,
  timestamp: iso(d.decidedAt),
  decision_type: decisionNames[d.decision],
  day: d.cycleDay,
});

export const reflectionEntryJson = (r: ReflectionEntry) => ({
  reflection_id: r.reflectionId,
  timestamp: iso(r.answeredAt),
  response: responseNames[r.response],
  cycle_start: iso(r.cycleStart),
});

export const userJson = (u: User | undefined) => ({ user_id: u?.userId ?? '', email: u?.email ?? '', timezone: u?.timezone ?? '' });

export const providerNames = { whoop: Provider.WHOOP, 'google-calendar': Provider.GOOGLE_CALENDAR, microsoft: Provider.MICROSOFT } as const;
export type ProviderName = keyof typeof providerNames;
const providerName = (p: Provider) => (Object.entries(providerNames).find(([, value]) => value === p)?.[0] ?? null) as ProviderName | null;

export const connectionJson = (c: Connection) => ({
  provider: providerName(c.provider),
  status: c.status === ConnectionStatus.REAUTH_REQUIRED ? 'reauth_required' : 'active',
  connected_at: iso(c.connectedAt),
  last_synced_at: iso(c.lastSyncedAt),
});

export const hrvSampleJson = (s: ExportedHrvSample) => ({
  sample_id: s.sampleId,
  metric: metricName(s.metric),
  source: enumName(HrvSource, s.source),
  value_ms: s.valueMs,
  measured_at: iso(s.measuredAt),
});

/**
 * GET /me/export: what every service holds, in the vocabulary of the other answers (the same mappers), every
 * field present; an empty log or integrations part is empty lists, a state the engine does not have is null.
 */
export function exportJson(e: ExportMyDataResponse) {
  const log: Partial<LogExport> = e.log ?? {};
  const integrations: Partial<IntegrationsExport> = e.integrations ?? {};
  return {
    user: userJson(e.user),
    state: e.state ? stateJson(e.state) : null,
    log: { decisions: (log.decisions ?? []).map(decisionEntryJson), reflections: (log.reflections ?? []).map(reflectionEntryJson) },
    integrations: {
      connections: (integrations.connections ?? []).map(connectionJson),
      hrv_samples: (integrations.hrvSamples ?? []).map(hrvSampleJson),
      events: (integrations.events ?? []).map(eventJson),
      devices: (integrations.devices ?? []).map(deviceJson),
      push_deliveries: (integrations.pushDeliveries ?? []).map(pushDeliveryJson),
    },
  };
}
