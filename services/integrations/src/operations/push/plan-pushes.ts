import { randomUUID } from 'node:crypto';
import type { Logger } from '@omtobe/platform';
import type { PushKind } from '../../domain/push-message.ts';
import type { PushSettings } from '../../domain/settings.ts';
import type { Db } from '../../store/database.ts';
import { devicesOf } from '../../store/devices.repo.ts';
import { cancelPending, insertDeliveries } from '../../store/push-deliveries.repo.ts';

export interface PushWorthyTransition {
  userId: string;
  transitionId: string;
  kind: PushKind;
  eventId?: string;
  /** When it lapses; unset → occurredAt + PUSH_DEFAULT_TTL_MINUTES. */
  expiresAt?: Date;
  occurredAt: Date;
}

/**
 * One pending push per device of the user, in the consumer's transaction (unique per transition and device: a
 * redelivered transition adds nothing). A transition that has lapsed already pushes nothing. Returns how many
 * pushes are new.
 */
export async function planPushes(trx: Db, settings: PushSettings, t: PushWorthyTransition, now: Date, logger: Logger): Promise<number> {
  const expiresAt = t.expiresAt ?? new Date(t.occurredAt.getTime() + settings.defaultTtlMs);
  if (now.getTime() >= expiresAt.getTime()) {
    logger.info({ user_id: t.userId, transition_id: t.transitionId, push: t.kind }, 'transition lapsed before it arrived: no push');
    return 0;
  }
  const devices = await devicesOf(trx, t.userId);
  return insertDeliveries(
    trx,
    devices.map((d) => ({
      delivery_id: randomUUID(),
      transition_id: t.transitionId,
      device_id: d.device_id,
      user_id: t.userId,
      kind: t.kind,
      event_id: t.eventId ?? null,
      expires_at: expiresAt,
      status: 'pending' as const,
      due_at: now,
      created_at: now,
    })),
  );
}

/** A withdrawn brake (of that event) or a closed reflection: what is not delivered yet never will be. */
export function cancelPushes(trx: Db, userId: string, kind: PushKind, now: Date, eventId?: string): Promise<number> {
  return cancelPending(trx, userId, kind, now, eventId);
}
