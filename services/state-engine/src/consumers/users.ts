import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, recordErasure, topics, type TopicHandlers } from '@omtobe/events';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { isValidTimeZone, localDate } from '../domain/index.ts';
import type { Database } from '../store/database.ts';
import type { Db } from '../store/db.ts';
import { deleteUserEverywhere, insertUserState, lockUserState, updateUserState } from '../store/user-states.repo.ts';
import { dueAtOf } from '../engine/rollover.ts';

/** A new user's first cycle starts on the local day they registered. */
async function startFirstCycle(trx: Db, userId: string, timezone: string, at: Date): Promise<void> {
  const cycleStartDate = localDate(at, timezone);
  await insertUserState(trx, {
    user_id: userId,
    timezone,
    cycle_start_date: cycleStartDate,
    reflection_answered_at: null,
    next_cycle_start_date: null,
    pending_event_id: null,
    cooling_until: null,
    due_at: dueAtOf({ timezone, cycle_start_date: cycleStartDate, next_cycle_start_date: null, reflection_answered_at: null }),
    updated_at: at,
  });
}

/** users.v1: a user becomes known with a timezone, changes it, or is erased. */
export const usersConsumer: TopicHandlers<Database> = {
  topic: topics.users,
  handlers: [
    on(UserRegisteredSchema, async (event, { trx, occurredAt, logger }) => {
      if (!isValidTimeZone(event.timezone)) return logger.error({ user_id: event.userId }, 'UserRegistered with an unknown time zone ignored');
      await startFirstCycle(trx, event.userId, event.timezone, event.registeredAt ? timestampDate(event.registeredAt) : occurredAt);
    }),
    on(UserTimezoneChangedSchema, async (event, { trx, occurredAt, logger }) => {
      if (!isValidTimeZone(event.timezone)) return logger.error({ user_id: event.userId }, 'UserTimezoneChanged with an unknown time zone ignored');
      const state = await lockUserState(trx, event.userId);
      const at = event.changedAt ? timestampDate(event.changedAt) : occurredAt;
      if (!state) return startFirstCycle(trx, event.userId, event.timezone, at);
      // The cycle keeps its local start date; its days are counted in the new zone from now on.
      const next = { ...state, timezone: event.timezone };
      await updateUserState(trx, event.userId, { timezone: event.timezone, due_at: dueAtOf(next), updated_at: at });
    }),
    on(UserDeletedSchema, async (event, { trx, occurredAt }) => {
      // First (it takes the user's lock): samples and events written before the erasure may still be on their
      // way (other topics) or being applied right now; they are dropped, or waited for and deleted below.
      await recordErasure(trx, event.userId, event.deletedAt ? timestampDate(event.deletedAt) : occurredAt);
      await deleteUserEverywhere(trx, event.userId);
    }),
  ],
};
