import type { BroadcastSubscription } from '@omtobe/events';
import type { StreamHub } from '../streams/hub.ts';
import { promptsBroadcast } from './prompts.broadcast.ts';
import { usersBroadcast } from './users.broadcast.ts';

/**
 * The consumer group prefix of the live streams' consumers: each replica's group is this plus its host name and a
 * random part (libs/events broadcastGroupId). The KafkaUser's one `prefix` group ACL grants exactly this prefix
 * (deploy/k8s/kafka-users, held by tools/deploy-check), so it is not configurable.
 */
export const streamGroupIdPrefix = 'gateway-streams-';

/** What the gateway hears, in every replica, to feed its open streams (`*.broadcast.ts`: no inbox, no dead-letter topic). */
export function streamSubscriptions(hub: StreamHub): BroadcastSubscription[] {
  return [promptsBroadcast(hub), usersBroadcast(hub)];
}
