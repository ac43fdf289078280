// Steps the push tests share: devices, prompt transitions as the state engine publishes them, delivery rows.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DevicePlatform, PushEnvironment } from '@omtobe/proto/integrations/v1';
import { PromptTransitionSchema, type PromptTransition, type PromptTransitionKind } from '@omtobe/proto/state-engine/v1';
import { knownUser } from './flows.ts';
import { topics, type Harness } from './harness.ts';

/** A 64-hex-digit APNs token, distinct per seed. */
export const apnsToken = (seed: number) => (seed.toString(16).padStart(8, '0') + 'ab'.repeat(28)).slice(0, 64);
export const fcmToken = (seed: number) => `fcm-${seed}:APA91b${'x'.repeat(40)}_${seed}`;

export async function registerIos(h: Harness, userId: string, token: string, environment = PushEnvironment.PRODUCTION) {
  await knownUser(h, userId);
  return (await h.client.registerDevice({ userId, platform: DevicePlatform.IOS, token, environment })).device!;
}

export async function registerAndroid(h: Harness, userId: string, token: string) {
  await knownUser(h, userId);
  return (await h.client.registerDevice({ userId, platform: DevicePlatform.ANDROID, token })).device!;
}

export interface TransitionInput {
  userId: string;
  kind: PromptTransitionKind;
  transitionId?: string;
  eventId?: string;
  /** The event's end or Day 7's end; default one hour after the harness clock. */
  expiresAt?: Date;
  registeredAt?: Date;
}

export function transition(h: Harness, t: TransitionInput): PromptTransition {
  const now = h.clock.now();
  const expiresAt = t.expiresAt ?? new Date(now.getTime() + 3_600_000);
  return create(PromptTransitionSchema, {
    userId: t.userId,
    transitionId: t.transitionId ?? randomUUID(),
    kind: t.kind,
    occurredAt: timestampFromDate(now),
    ...(t.eventId ? { event: { eventId: t.eventId, startsAt: timestampFromDate(now), endsAt: timestampFromDate(expiresAt) } } : {}),
    expiresAt: timestampFromDate(expiresAt),
    cycleDay: 4,
    sequence: 1n,
    ...(t.registeredAt ? { registeredAt: timestampFromDate(t.registeredAt) } : {}),
  });
}

/** Publishes a transition to prompts.v1 with a real producer and waits until the service has handled it. */
export function publishTransition(h: Harness, t: PromptTransition, eventId?: string) {
  return h.deliver(topics.prompts, t.userId, PromptTransitionSchema, t, eventId);
}

export interface DeliveryRowView {
  transition_id: string;
  device_id: string;
  kind: string;
  status: string;
  attempts: number;
  due_at: Date;
  last_error: string | null;
}

export async function deliveriesOf(h: Harness, userId: string): Promise<DeliveryRowView[]> {
  const rows = await sql<DeliveryRowView>`
    select transition_id, device_id, kind, status, attempts, due_at, last_error from push_deliveries where user_id = ${userId} order by created_at, device_id`.execute(h.deps.db);
  return rows.rows;
}
