import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import {
  Decision,
  DecisionRecordedSchema,
  NextAction,
  SubmitDecisionResponseSchema,
  type SubmitDecisionResponse,
} from '@omtobe/proto/state-engine/v1';
import { answerableBrake, applyDecision, cycleDayShown } from '../domain/index.ts';
import { eventIdsOfMeeting, findEvent } from '../store/calendar-events.repo.ts';
import { shownBrakeOf, updateUserState } from '../store/user-states.repo.ts';
import type { Deps } from './deps.ts';
import { answerOnce } from './idempotency.ts';
import { reconcilePrompt } from './prompts.ts';
import { registrationOf } from './registration.ts';

/**
 * SubmitDecision: answers the pending brake under the user's row lock, so two concurrent answers to one
 * brake record exactly one decision (the second finds no pending brake). Only the brake as it was shown is
 * answered — the same cycle day, its event (as last edited) still running — and the decision is logged with
 * the day it was shown. The DecisionRecorded event is written to the outbox in the same transaction.
 *
 * It returns the contract's response, not a domain view: idempotency.ts stores its bytes for retries of the key.
 */
export async function submitDecision(
  deps: Deps,
  userId: string,
  decision: 'proceed' | 'delay',
  idempotencyKey: string,
): Promise<SubmitDecisionResponse> {
  const scope = { userId, key: idempotencyKey, request: `decision:${decision}`, schema: SubmitDecisionResponseSchema };
  return answerOnce(deps, scope, async (trx, state, now) => {
    const event = state.pending_event_id ? await findEvent(trx, userId, state.pending_event_id) : undefined;
    const today = cycleDayShown(state.cycle_start_date, now, state.timezone);
    const brake = answerableBrake(shownBrakeOf(state), today, event, now);
    const { state: next, outcome } = applyDecision(
      {
        lockedEventIds: new Set(state.locked_event_ids),
        pendingEventId: brake.eventId,
        ...(state.cooling_until ? { coolingUntil: state.cooling_until } : {}),
      },
      decision,
      now,
      deps.rules,
    );
    // Proceed holds for the meeting, not one calendar's copy of it (domain/meetings.ts): every event of the user
    // with the same start and end is locked with it, so the lock outlives the copy it was shown for.
    const copies = decision === 'proceed' && event ? await eventIdsOfMeeting(trx, userId, event.startsAt, event.endsAt) : [];
    await updateUserState(trx, userId, {
      pending_event_id: null,
      pending_day: null,
      cooling_until: next.coolingUntil ?? null,
      locked_event_ids: [...new Set([...next.lockedEventIds, ...copies])],
      updated_at: now,
    });
    const decisionId = randomUUID();
    const protoDecision = decision === 'proceed' ? Decision.PROCEED : Decision.DELAY;
    await enqueueEvent(trx, {
      topic: topics.decisions,
      key: userId,
      schema: DecisionRecordedSchema,
      message: create(DecisionRecordedSchema, {
        userId,
        decisionId,
        decision: protoDecision,
        cycleDay: brake.day,
        decidedAt: timestampFromDate(now),
        ...registrationOf(state),
      }),
      occurredAt: now,
    });
    // Delay withdraws the brake (cooling), Proceed too (locked), unless another running event now brakes.
    await reconcilePrompt(trx, userId, now, deps.rules);
    return create(SubmitDecisionResponseSchema, {
      decision: protoDecision,
      recordedAt: timestampFromDate(now),
      cycleDay: brake.day,
      nextAction: outcome.nextAction === 'cooling_period_activated' ? NextAction.COOLING_PERIOD_ACTIVATED : NextAction.DECISION_LOCKED,
      ...(outcome.reTriggerAt ? { reTriggerTime: timestampFromDate(outcome.reTriggerAt) } : {}),
      eventId: outcome.eventId,
      decisionId,
    });
  });
}
