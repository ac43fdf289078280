import { hear, topics, type BroadcastSubscription } from '@omtobe/events';
import { UserDeletedSchema } from '@omtobe/proto/gateway/v1';
import type { StreamHub } from '../streams/hub.ts';

/**
 * users.v1, heard by every replica for one event: an erased user's open streams end on every replica (the replica
 * that served DELETE /me has ended its own already).
 */
export function usersBroadcast(hub: StreamHub): BroadcastSubscription {
  return {
    topic: topics.users,
    listeners: [hear(UserDeletedSchema, (deleted) => hub.closeUser(deleted.userId))],
  };
}
