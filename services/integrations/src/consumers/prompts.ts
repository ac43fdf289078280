import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { on, PermanentEventError, topics, type TopicHandlers } from '@omtobe/events';
import { PromptTransitionKind, PromptTransitionSchema, type PromptTransition } from '@omtobe/proto/state-engine/v1';
import { userIdProblem } from '@omtobe/rules';
import type { PushKind } from '../domain/push-message.ts';
import { cancelPushes, planPushes } from '../operations/push/plan-pushes.ts';
import type { Database } from '../store/database.ts';
import type { Deps } from '../operations/deps.ts';

// After an erasure, transitions of the erased registration are dropped whenever they arrive (@omtobe/events
// erasedBy): an erased user gets no push, not even one the state engine decided on before the erasure.
const registration = { registration: (event: { registeredAt?: Timestamp }) => event.registeredAt };

const pushKindOf: Partial<Record<PromptTransitionKind, PushKind>> = {
  [PromptTransitionKind.BRAKE_RAISED]: 'brake',
  [PromptTransitionKind.REFLECTION_OPENED]: 'reflection',
  [PromptTransitionKind.READING_REQUESTED]: 'reading',
};

/**
 * A transition that can never apply, whenever it is retried: dead-lettered at once with the reason (a push keyed by
 * no transition, for no valid user, or of a kind this service does not know, is a producer's bug or a newer contract).
 */
function refuseUnusable(t: PromptTransition): void {
  const problem = userIdProblem(t.userId);
  if (problem !== undefined) throw new PermanentEventError(`PromptTransition user_id ${problem}`);
  if (t.transitionId === '') throw new PermanentEventError('PromptTransition has no transition_id');
  if (!(t.kind in pushKindOf) && t.kind !== PromptTransitionKind.BRAKE_WITHDRAWN && t.kind !== PromptTransitionKind.REFLECTION_CLOSED) {
    throw new PermanentEventError(`PromptTransition kind ${t.kind} is not one this service knows`);
  }
}

/**
 * prompts.v1 → pushes. A raised brake, an opened reflection or a reading request becomes one pending push per
 * device of the user, in this transaction; a withdrawn brake cancels the pushes of that event not yet delivered,
 * a closed reflection those of the reflection. The push worker is woken after the commit (main.ts, `onHandled`).
 */
export function promptsConsumer(deps: Pick<Deps, 'clock' | 'settings'>): TopicHandlers<Database> {
  return {
    topic: topics.prompts,
    handlers: [
      on(
        PromptTransitionSchema,
        async (t, { trx, logger, occurredAt }) => {
          refuseUnusable(t);
          const now = deps.clock.now();
          const kind = pushKindOf[t.kind];
          if (kind) {
            const created = await planPushes(
              trx,
              deps.settings.push,
              {
                userId: t.userId,
                transitionId: t.transitionId,
                kind,
                ...(t.event?.eventId ? { eventId: t.event.eventId } : {}),
                ...(t.expiresAt ? { expiresAt: timestampDate(t.expiresAt) } : {}),
                occurredAt: t.occurredAt ? timestampDate(t.occurredAt) : occurredAt,
              },
              now,
              logger,
            );
            if (created > 0) logger.debug({ user_id: t.userId, transition_id: t.transitionId, push: kind, pushes: created }, 'pushes planned');
          } else if (t.kind === PromptTransitionKind.BRAKE_WITHDRAWN) {
            const cancelled = await cancelPushes(trx, t.userId, 'brake', now, t.event?.eventId);
            if (cancelled > 0) logger.info({ user_id: t.userId, transition_id: t.transitionId, cancelled }, 'brake withdrawn before its push went out');
          } else if (t.kind === PromptTransitionKind.REFLECTION_CLOSED) {
            await cancelPushes(trx, t.userId, 'reflection', now);
          }
        },
        registration,
      ),
    ],
  };
}
