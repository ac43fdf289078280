import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Transaction } from 'kysely';
import { on, PermanentEventError, topics, type TopicHandlers } from '@omtobe/events';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import type { Clock } from '@omtobe/platform';
import { isHighStakes, type Rules } from '../domain/index.ts';
import { reconcilePrompt } from '../operations/prompts.ts';
import type { Database } from '../store/database.ts';
import { removeEvent, upsertEvent } from '../store/calendar-events.repo.ts';

/**
 * calendar.v1: the user's high-stakes events. Integrations publishes only those; the engine applies its own
 * keyword list again, so an event whose title no longer qualifies (renamed, or keywords reconfigured) stops
 * braking instead of lingering. After a transaction's events are stored, each user's prompt is evaluated again in it
 * (a meeting that starts now may raise the brake or ask for a reading; one withdrawn or cut short withdraws it).
 */
export function calendarConsumer(rules: Rules, clock: Clock): TopicHandlers<Database> {
  const reconcile = (trx: Transaction<Database>, userId: string) => async () => {
    await reconcilePrompt(trx, userId, clock.now(), rules);
  };
  return {
    topic: topics.calendar,
    handlers: [
      on(HighStakesEventUpsertedSchema, async (event, { trx, deferOnce }) => {
        if (!event.startsAt || !event.endsAt) throw new PermanentEventError('HighStakesEventUpserted without starts_at or ends_at');
        const startsAt = timestampDate(event.startsAt);
        const endsAt = timestampDate(event.endsAt);
        if (endsAt <= startsAt) throw new PermanentEventError('HighStakesEventUpserted that does not end after it starts');
        deferOnce(`prompt:${event.userId}`, reconcile(trx, event.userId));
        if (!isHighStakes(event.title, rules.highStakesKeywords)) return removeEvent(trx, event.userId, event.eventId);
        await upsertEvent(trx, event.userId, { id: event.eventId, title: event.title, startsAt, endsAt });
      }),
      on(HighStakesEventRemovedSchema, async (event, { trx, deferOnce }) => {
        await removeEvent(trx, event.userId, event.eventId);
        deferOnce(`prompt:${event.userId}`, reconcile(trx, event.userId));
      }),
    ],
  };
}
