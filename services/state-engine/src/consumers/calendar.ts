import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import type { Database } from '../store/database.ts';
import { removeEvent, upsertEvent } from '../store/events.repo.ts';

/** calendar.v1: the user's high-stakes events (integrations publishes only those). */
export const calendarConsumer: TopicHandlers<Database> = {
  topic: topics.calendar,
  handlers: [
    on(HighStakesEventUpsertedSchema, async (event, { trx, logger }) => {
      if (!event.startsAt || !event.endsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted without times ignored');
      const startsAt = timestampDate(event.startsAt);
      const endsAt = timestampDate(event.endsAt);
      if (endsAt <= startsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted ending before it starts ignored');
      await upsertEvent(trx, { user_id: event.userId, event_id: event.eventId, title: event.title, starts_at: startsAt, ends_at: endsAt });
    }),
    on(HighStakesEventRemovedSchema, async (event, { trx }) => {
      await removeEvent(trx, event.userId, event.eventId);
    }),
  ],
};
