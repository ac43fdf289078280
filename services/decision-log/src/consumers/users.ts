import { timestampDate } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import { requireUserId } from '@omtobe/rules';
import type { Deps } from '../operations/deps.ts';
import { eraseUserData } from '../operations/erasure.ts';
import type { Database } from '../store/database.ts';
import { fromContract } from './contract.ts';

/**
 * users.v1: erasure. UserDeleted removes every row of the user and leaves a tombstone naming the registration it
 * ended, so that decisions.v1 events of that registration arriving later are dropped (see decisions.ts);
 * registration and timezone changes are not ours to keep.
 */
export function usersSubscription(deps: Deps): TopicHandlers<Database> {
  return {
    topic: topics.users,
    handlers: [
      on(UserDeletedSchema, async (event, { trx, logger, occurredAt }) => {
        // The gateway issues ids by the same rule (@omtobe/rules): one that breaks it can never name a user here.
        const userId = fromContract(requireUserId, event.userId);
        const erased = await eraseUserData(deps, trx, userId, {
          erasedAt: event.deletedAt ? timestampDate(event.deletedAt) : occurredAt,
          ...(event.registeredAt ? { registeredAt: timestampDate(event.registeredAt) } : {}),
        });
        // Counts only: the user id is on the record key already, and this line must not become a list of who left.
        logger.info({ decisions: erased.decisions, reflections: erased.reflections }, 'user erased');
      }),
    ],
  };
}
