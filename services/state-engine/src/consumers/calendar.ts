import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import type { Clock } from '@omtobe/platform';
import { isHighStakes, type Rules } from '../domain/index.ts';
import { reconcilePrompt } from '../engine/prompts.ts';
import type { Db } from '../store/db.ts';
import type { Database } from '../store/database.ts';
import { removeEvent, upsertEvent } from '../store/events.repo.ts';

/**
 * calendar.v1: the user's high-stakes events. Integrations publishes only those; the engine applies its own
 * keyword list again, so an event whose title no longer qualifies (renamed, or keywords reconfigured) stops
 * braking instead of lingering. After a transaction's events are stored, each user's prompt is evaluated again in it
 * (a meeting that starts now may raise the brake or ask for a reading; one withdrawn or cut short withdraws it).
 */
export function calendarConsumer(rules: Rules, clock: Clock): TopicHandlers<Database> {
  const reconcile = (trx: Db, userId: string) => async () => {
    await reconcilePrompt(trx, userId, clock.now(), rules);
  };
  return {
    topic: topics.calendar,
    handlers: [
      on(HighStakesEventUpsertedSchema, async (event, { trx, logger, deferOnce }) => {
        if (!event.startsAt || !event.endsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted without times ignored');
        const startsAt = timestampDate(event.startsAt);
        const endsAt = timestampDate(event.endsAt);
        if (endsAt <= startsAt) return logger.error({ user_id: event.userId }, 'HighStakesEventUpserted ending before it starts ignored');
        deferOnce(`prompt:${event.userId}`, reconcile(trx, event.userId));
        if (!isHighStakes(event.title, rules.highStakesKeywords)) return removeEvent(trx, event.userId, event.eventId);
        await upsertEvent(trx, { user_id: event.userId, event_id: event.eventId, title: event.title, starts_at: startsAt, ends_at: endsAt });
      }),
      on(HighStakesEventRemovedSchema, async (event, { trx, deferOnce }) => {
        await removeEvent(trx, event.userId, event.eventId);
        deferOnce(`prompt:${event.userId}`, reconcile(trx, event.userId));
      }),
    ],
  };
}
