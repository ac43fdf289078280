import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, recordErasure, topics, type TopicHandlers } from '@omtobe/events';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import type { DecisionLogMetrics } from '../metrics.ts';
import type { Database } from '../store/database.ts';
import { eraseUser } from '../store/users.repo.ts';

/**
 * users.v1: erasure. UserDeleted removes every row of the user and leaves a tombstone naming the registration it
 * ended, so that decisions.v1 events of that registration arriving later are dropped (see decisions.ts);
 * registration and timezone changes are not ours to keep.
 */
export function usersSubscription(deps: { metrics: DecisionLogMetrics }): TopicHandlers<Database> {
  return {
    topic: topics.users,
    handlers: [
      on(UserDeletedSchema, async (event, { trx, logger, occurredAt }) => {
        if (event.userId === '') throw new Error('invalid event: UserDeleted without user_id');
        // First (it takes the user's lock): a decision of the erased registration may still be on its way (another
        // topic; made before the state engine applied the erasure, so possibly after this one) or being applied
        // right now; it must not come back.
        await recordErasure(trx, event.userId, {
          erasedAt: event.deletedAt ? timestampDate(event.deletedAt) : occurredAt,
          ...(event.registeredAt ? { registeredAt: timestampDate(event.registeredAt) } : {}),
        });
        const erased = await eraseUser(trx, event.userId);
        deps.metrics.userErased();
        // Counts only: the user id is on the record key already, and this line must not become a list of who left.
        logger.info({ decisions: erased.decisions, reflections: erased.reflections }, 'user erased');
      }),
    ],
  };
}
