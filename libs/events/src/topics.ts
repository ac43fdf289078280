import type { DescMessage } from '@bufbuild/protobuf';
import { UserDeletedSchema, UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import {
  HighStakesEventRemovedSchema,
  HighStakesEventUpsertedSchema,
  HrvSampleDeletedSchema,
  HrvSampleRecordedSchema,
} from '@omtobe/proto/integrations/v1';
import { CycleResetSchema, DecisionRecordedSchema, PromptTransitionSchema, ReflectionRecordedSchema } from '@omtobe/proto/state-engine/v1';

/** A Kafka topic of the system and the event messages it may carry (record key = user id). */
export interface Topic {
  readonly name: string;
  readonly partitions: number;
  /** Retention the platform should declare for the topic, in hours. */
  readonly retentionHours: number;
  readonly events: readonly DescMessage[];
}

function topic(name: string, events: readonly DescMessage[], retentionHours = 7 * 24): Topic {
  return Object.freeze({ name, partitions: 12, retentionHours, events });
}

/** Every topic of the system: the single source for producers, consumers, the dev broker and deployment. */
export const topics = Object.freeze({
  users: topic('users.v1', [UserRegisteredSchema, UserTimezoneChangedSchema, UserDeletedSchema]),
  hrv: topic('hrv.v1', [HrvSampleRecordedSchema, HrvSampleDeletedSchema]),
  calendar: topic('calendar.v1', [HighStakesEventUpsertedSchema, HighStakesEventRemovedSchema]),
  decisions: topic('decisions.v1', [DecisionRecordedSchema, ReflectionRecordedSchema, CycleResetSchema]),
  // What the app should show now, as it changes: read by integrations (pushes) and by every gateway replica
  // (live streams). A day is plenty: a transition is stale within hours, and consumers are never that far behind.
  prompts: topic('prompts.v1', [PromptTransitionSchema], 24),
});

export const allTopics: readonly Topic[] = Object.values(topics);

/** Where a consumer parks what it cannot decode or keeps failing on: `<topic>.dlq`. */
export function deadLetterTopicName(topicName: string): string {
  return `${topicName}.dlq`;
}

/** Every topic name the broker must have, dead-letter topics included, under an optional prefix (tests isolate by prefix). */
export function topicNamesToCreate(prefix = ''): Array<{ name: string; partitions: number }> {
  return allTopics.flatMap((t) => [
    { name: prefix + t.name, partitions: t.partitions },
    { name: prefix + deadLetterTopicName(t.name), partitions: 1 },
  ]);
}

/** The event message of a topic with the given full type name, if the topic carries it. */
export function eventSchema(topicDef: Topic, typeName: string): DescMessage | undefined {
  return topicDef.events.find((e) => e.typeName === typeName);
}
