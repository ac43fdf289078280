import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, PermanentEventError, recordErasure, topics, type TopicHandlers } from '@omtobe/events';
import type { Clock } from '@omtobe/platform';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { canonicalTimeZone, cycleStart, localDate, type Rules } from '../domain/index.ts';
import { refreshAllLatest } from '../operations/baselines.ts';
import { reconcilePrompt } from '../operations/prompts.ts';
import { dueAtOf } from '../operations/rollover.ts';
import type { Database, Db } from '../store/database.ts';
import { deleteUserEverywhere, insertUserState, lockUserState, updateUserState } from '../store/user-states.repo.ts';

/**
 * The zone as the engine will store it, or a permanent failure: the gateway validates with the same function
 * (@omtobe/rules), so a zone that fails here breaks the contract. Dropping the event instead would leave the
 * user unregistered (every check NOT_FOUND) or on a zone the gateway no longer reports; the consumer parks it
 * on the dead-letter topic with an error log.
 */
function applicableZone(timezone: string, event: string): string {
  const canonical = canonicalTimeZone(timezone);
  if (canonical === undefined) throw new PermanentEventError(`${event} with a time zone the engine cannot apply: ${JSON.stringify(timezone.slice(0, 64))}`);
  return canonical;
}

/**
 * A new user's first cycle starts on the local day they registered. `registeredAt` is the registration the state
 * belongs to (null when the state comes from a zone change, the registration itself having never arrived).
 */
async function startFirstCycle(trx: Db, userId: string, timezone: string, at: Date, registeredAt: Date | null): Promise<void> {
  const cycleStartDate = localDate(at, timezone);
  await insertUserState(trx, {
    user_id: userId,
    timezone,
    registered_at: registeredAt,
    cycle_start_date: cycleStartDate,
    cycle_started_at: cycleStart(cycleStartDate, timezone),
    reflection_answered_at: null,
    next_cycle_start_date: null,
    pending_event_id: null,
    pending_day: null,
    cooling_until: null,
    due_at: dueAtOf({ timezone, cycle_start_date: cycleStartDate, next_cycle_start_date: null, reflection_answered_at: null }),
    updated_at: at,
  });
}

/**
 * users.v1: a user becomes known with a timezone, changes it, or is erased. Once the zone is known (or changes),
 * the baselines are counted again in it: samples may have arrived first (another topic, no ordering between
 * them), with their days counted in UTC.
 */
export function usersConsumer(rules: Rules, clock: Clock): TopicHandlers<Database> {
  return {
    topic: topics.users,
    handlers: [
      on(UserRegisteredSchema, async (event, { trx, occurredAt }) => {
        const timezone = applicableZone(event.timezone, 'UserRegistered');
        // Without registered_at (an older gateway), the event's occurred-at is the same instant: the profile's creation.
        const registeredAt = event.registeredAt ? timestampDate(event.registeredAt) : occurredAt;
        await startFirstCycle(trx, event.userId, timezone, registeredAt, registeredAt);
        // A repeated registration changed nothing: the state's zone is the one to count in.
        const state = await lockUserState(trx, event.userId);
        await refreshAllLatest(trx, event.userId, state?.timezone ?? timezone, rules, clock.now());
        await reconcilePrompt(trx, event.userId, clock.now(), rules);
      }),
      on(UserTimezoneChangedSchema, async (event, { trx, occurredAt }) => {
        const timezone = applicableZone(event.timezone, 'UserTimezoneChanged');
        const state = await lockUserState(trx, event.userId);
        const at = event.changedAt ? timestampDate(event.changedAt) : occurredAt;
        if (!state) {
          await startFirstCycle(trx, event.userId, timezone, at, null);
        } else {
          // The cycle keeps its local start date (and the instant it started); its days are counted in the new zone from now on.
          const next = { ...state, timezone };
          await updateUserState(trx, event.userId, { timezone, due_at: dueAtOf(next), updated_at: at });
        }
        await refreshAllLatest(trx, event.userId, timezone, rules, clock.now());
        // The day, the phase and the reflection window are counted in the new zone from now on.
        await reconcilePrompt(trx, event.userId, clock.now(), rules);
      }),
      on(UserDeletedSchema, async (event, { trx, occurredAt }) => {
        // First (it takes the user's lock): samples and events written before the erasure may still be on their
        // way (other topics) or being applied right now; they are dropped, or waited for and deleted below.
        await recordErasure(trx, event.userId, {
          erasedAt: event.deletedAt ? timestampDate(event.deletedAt) : occurredAt,
          ...(event.registeredAt ? { registeredAt: timestampDate(event.registeredAt) } : {}),
        });
        // With the user's events still waiting in the outbox: a decision made after DELETE /me must not go out.
        await deleteUserEverywhere(trx, event.userId);
      }),
    ],
  };
}
