import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { eraseUser } from '../connections/erase-user.ts';
import { isValidTimeZone } from '../domain/zoned-time.ts';
import { fillMockCalendar } from '../mock/mock-calendar.ts';
import { backfillMockHistory } from '../mock/mock-hrv.ts';
import type { Database } from '../store/database.ts';
import { findKnownUser, rememberUser, setTimezone } from '../store/users.repo.ts';
import type { Service } from '../service.ts';

/**
 * users.v1: a registered user becomes known (in development the mock providers give them a week of HRV
 * history and a calendar at once), a timezone change moves their mock calendar, and an erasure removes
 * everything of theirs after queueing their provider grants for revocation.
 */
export function usersConsumer(svc: Pick<Service, 'cipher' | 'clock' | 'logger' | 'settings'>): TopicHandlers<Database> {
  return {
    topic: topics.users,
    handlers: [
      on(UserRegisteredSchema, async (event, { trx, occurredAt, logger }) => {
        const timezone = isValidTimeZone(event.timezone) ? event.timezone : 'UTC';
        if (timezone !== event.timezone) logger.warn({ user_id: event.userId }, 'UserRegistered with an unknown time zone: UTC assumed');
        const isNew = await rememberUser(trx, event.userId, timezone, event.registeredAt ? timestampDate(event.registeredAt) : occurredAt);
        const mock = svc.settings.mock;
        if (!isNew || !mock) return;
        const user = (await findKnownUser(trx, event.userId))!;
        const now = svc.clock.now();
        const samples = await backfillMockHistory(trx, mock, user, now);
        const events = await fillMockCalendar(trx, svc, mock, user, now);
        logger.info({ user_id: event.userId, samples, events }, 'mock providers started for the user');
      }),
      on(UserTimezoneChangedSchema, async (event, { trx, occurredAt }) => {
        if (!isValidTimeZone(event.timezone)) return;
        if (!(await findKnownUser(trx, event.userId))) {
          await rememberUser(trx, event.userId, event.timezone, event.changedAt ? timestampDate(event.changedAt) : occurredAt);
          return;
        }
        await setTimezone(trx, event.userId, event.timezone);
      }),
      on(UserDeletedSchema, async (event, { trx, logger }) => {
        await eraseUser(trx, svc.cipher, logger, event.userId, svc.clock.now());
      }),
    ],
  };
}
