import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, PermanentEventError, recordErasure, topics, type TopicHandlers } from '@omtobe/events';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { canonicalTimeZone } from '@omtobe/rules';
import { eraseUser } from '../operations/connections/erase-user.ts';
import { fillMockCalendar } from '../providers/mock/mock-calendar.ts';
import { backfillMockHistory } from '../providers/mock/mock-hrv.ts';
import type { Database } from '../store/database.ts';
import { findKnownUser, rememberUser, setTimezone } from '../store/users.repo.ts';
import type { Deps } from '../operations/deps.ts';

/**
 * The zone an event names, as every service spells it (libs/rules), or a dead letter: the gateway refuses such
 * zones, so one here breaks the contract — it is parked and logged, never dropped or guessed at.
 */
function zoneOf(event: { timezone: string }, type: string): string {
  const timezone = canonicalTimeZone(event.timezone);
  if (timezone === undefined) throw new PermanentEventError(`${type} names a time zone that cannot be applied`);
  return timezone;
}

/**
 * users.v1: a registered user becomes known (in development the mock providers give them a week of HRV
 * history and a calendar at once), a timezone change moves their mock calendar, and an erasure removes
 * everything of theirs (devices and pushes included) after queueing their provider grants for revocation, leaving
 * a tombstone so their late prompt transitions push nothing.
 */
export function usersConsumer(deps: Pick<Deps, 'cipher' | 'clock' | 'logger' | 'settings'>): TopicHandlers<Database> {
  return {
    topic: topics.users,
    handlers: [
      on(UserRegisteredSchema, async (event, { trx, occurredAt, logger }) => {
        const timezone = zoneOf(event, 'UserRegistered');
        const isNew = await rememberUser(trx, event.userId, timezone, event.registeredAt ? timestampDate(event.registeredAt) : occurredAt);
        const mock = deps.settings.mock;
        if (!isNew || !mock) return;
        const user = (await findKnownUser(trx, event.userId))!;
        const now = deps.clock.now();
        const samples = await backfillMockHistory(trx, deps, mock, user, now);
        const events = await fillMockCalendar(trx, deps, mock, user, now);
        logger.info({ user_id: event.userId, samples, events }, 'mock providers started for the user');
      }),
      on(UserTimezoneChangedSchema, async (event, { trx, occurredAt }) => {
        const timezone = zoneOf(event, 'UserTimezoneChanged');
        if (!(await findKnownUser(trx, event.userId))) {
          await rememberUser(trx, event.userId, timezone, event.changedAt ? timestampDate(event.changedAt) : occurredAt);
          return;
        }
        await setTimezone(trx, event.userId, timezone);
        // The mock meetings are at local times: they move now, not at the next tick, so the engine never
        // brakes at the old zone's hours after the change.
        if (deps.settings.mock) await fillMockCalendar(trx, deps, deps.settings.mock, (await findKnownUser(trx, event.userId))!, deps.clock.now());
      }),
      on(UserDeletedSchema, async (event, { trx, logger, occurredAt }) => {
        // First (it takes the user's lock): a prompt transition of the erased registration may still be on its way
        // (another topic) or being applied right now; it must not plan a push for a device erased here.
        await recordErasure(trx, event.userId, {
          erasedAt: event.deletedAt ? timestampDate(event.deletedAt) : occurredAt,
          ...(event.registeredAt ? { registeredAt: timestampDate(event.registeredAt) } : {}),
        });
        await eraseUser(trx, deps.cipher, logger, event.userId, deps.clock.now());
      }),
    ],
  };
}
