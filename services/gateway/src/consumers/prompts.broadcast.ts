import { hear, topics, type BroadcastSubscription } from '@omtobe/events';
import { PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import type { StreamHub } from '../streams/hub.ts';

/** prompts.v1, heard by every replica: each transition goes to its user's open streams on this replica. */
export function promptsBroadcast(hub: StreamHub): BroadcastSubscription {
  return {
    topic: topics.prompts,
    listeners: [hear(PromptTransitionSchema, (transition) => void hub.publish(transition))],
  };
}
