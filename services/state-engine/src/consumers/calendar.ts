import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { isHighStakes, type Rules } from '../domain/index.ts';
import type { Database } from '../store/database.ts';
import { removeEvent, upsertEvent } from '../store/events.repo.ts';

/**
 * calendar.v1: the user's high-stakes events. Integrations publishes only those; the engine applies its own
 * keyword list again, so an event whose title no longer qualifies (renamed, or keywords reconfigured) stops
 * braking instead of lingering.
 */
export function calendarConsumer(rules: Pick<Rules, 'highStakesKeywords'>): TopicHandlers<Database> {
  return {
    topic: topics.calendar,
    handlers: [
      on(HighStakesEventUpsertedSchema, async (event, { trx, logger }) => {
        if (!event.startsAt || !event.endsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted without times ignored');
        const startsAt = timestampDate(event.startsAt);
        const endsAt = timestampDate(event.endsAt);
        if (endsAt <= startsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted ending before it starts ignored');
        if (!isHighStakes(event.title, rules.highStakesKeywords)) return removeEvent(trx, event.userId, event.eventId);
        await upsertEvent(trx, { user_id: event.userId, event_id: event.eventId, title: event.title, starts_at: startsAt, ends_at: endsAt });
      }),
      on(HighStakesEventRemovedSchema, async (event, { trx }) => {
        await removeEvent(trx, event.userId, event.eventId);
      }),
    ],
  };
}
