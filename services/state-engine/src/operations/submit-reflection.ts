import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import {
  ReflectionRecordedSchema,
  ReflectionResponse,
  SubmitReflectionResponseSchema,
  type SubmitReflectionResponse,
} from '@omtobe/proto/state-engine/v1';
import { applyReflection } from '../domain/index.ts';
import { updateUserState } from '../store/user-states.repo.ts';
import type { Deps } from './deps.ts';
import { answerOnce } from './idempotency.ts';
import { reconcilePrompt } from './prompts.ts';
import { registrationOf } from './registration.ts';
import { dueAtOf } from './rollover.ts';

const toProto = { yes: ReflectionResponse.YES, no: ReflectionResponse.NO, skip: ReflectionResponse.SKIP } as const;

/**
 * SubmitReflection: records the Day 7 answer and schedules the next cycle for the next local midnight
 * (the due-work loop starts it and publishes CycleReset then).
 *
 * It returns the contract's response, not a domain view: idempotency.ts stores its bytes for retries of the key.
 */
export async function submitReflection(
  deps: Deps,
  userId: string,
  response: 'yes' | 'no' | 'skip',
  idempotencyKey: string,
): Promise<SubmitReflectionResponse> {
  const scope = { userId, key: idempotencyKey, request: `reflection:${response}`, schema: SubmitReflectionResponseSchema };
  return answerOnce(deps, scope, async (trx, state, now) => {
    const cycle = { startDate: state.cycle_start_date, ...(state.reflection_answered_at ? { reflectionAnsweredAt: state.reflection_answered_at } : {}) };
    const { answeredAt, nextCycleStartDate } = applyReflection(cycle, now, state.timezone, deps.rules);
    const next = { ...state, reflection_answered_at: answeredAt, next_cycle_start_date: nextCycleStartDate };
    const dueAt = dueAtOf(next);
    await updateUserState(trx, userId, {
      reflection_answered_at: answeredAt,
      next_cycle_start_date: nextCycleStartDate,
      due_at: dueAt,
      updated_at: now,
    });
    const reflectionId = randomUUID();
    await enqueueEvent(trx, {
      topic: topics.decisions,
      key: userId,
      schema: ReflectionRecordedSchema,
      message: create(ReflectionRecordedSchema, {
        userId,
        reflectionId,
        response: toProto[response],
        answeredAt: timestampFromDate(answeredAt),
        // The instant the cycle did start, whatever zone the user is in now.
        cycleStart: timestampFromDate(state.cycle_started_at),
        ...registrationOf(state),
      }),
      occurredAt: now,
    });
    // The answer closes the reflection (and keeps the next cycle's start as the next due instant).
    await reconcilePrompt(trx, userId, now, deps.rules);
    return create(SubmitReflectionResponseSchema, {
      response: toProto[response],
      recordedAt: timestampFromDate(answeredAt),
      newCycleStart: timestampFromDate(dueAt),
      newCycleDay: 1,
      reflectionId,
    });
  });
}
