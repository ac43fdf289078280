// What the engine published, read once it has settled: exact counts, so a late duplicate cannot pass unseen.
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { deadLetterTopicName, headerNames, headerValue, type Topic } from '@omtobe/events';
import { CycleResetSchema, DecisionRecordedSchema, PromptTransitionSchema, ReflectionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { eventually } from '@omtobe/testing';
import { topics, type EngineHarness } from './harness.ts';

/** One consumer per harness and topic, reading from the beginning for the life of the harness (a group join costs seconds). */
interface TopicLog {
  messages: Array<{ partition: number; message: KafkaMessage }>;
  next: Map<number, bigint>;
}

const logs = new WeakMap<EngineHarness, Map<string, Promise<TopicLog>>>();

function logOf(h: EngineHarness, topic: string): Promise<TopicLog> {
  let byTopic = logs.get(h);
  if (!byTopic) logs.set(h, (byTopic = new Map()));
  let log = byTopic.get(topic);
  if (!log) byTopic.set(topic, (log = follow(h, topic)));
  return log;
}

async function follow(h: EngineHarness, topic: string): Promise<TopicLog> {
  const log: TopicLog = { messages: [], next: new Map() };
  const consumer: Consumer = h.kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  h.onClose(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      log.messages.push({ partition, message });
      log.next.set(partition, BigInt(message.offset) + 1n);
    },
  });
  return log;
}

/** Every message of a topic up to its end as of now (each partition's high watermark), in log order per partition. */
async function readToEnd(h: EngineHarness, topic: string): Promise<KafkaMessage[]> {
  const log = await logOf(h, topic);
  const admin = h.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  await eventually(
    () => offsets.every((o) => BigInt(o.high) <= BigInt(o.low) || (log.next.get(o.partition) ?? 0n) >= BigInt(o.high)),
    Boolean,
  );
  return log.messages.map((m) => m.message);
}

const ofType = <Desc extends DescMessage>(messages: KafkaMessage[], schema: Desc): Array<MessageShape<Desc>> =>
  messages.filter((m) => headerValue(m.headers, headerNames.eventType) === schema.typeName).map((m) => fromBinary(schema, m.value!));

/**
 * The user's events on decisions.v1 once the engine has published all it wrote: its outbox holds nothing more
 * for the user (rows are deleted once Kafka acknowledged them), and the topic is read to its end.
 */
export async function publishedFor(h: EngineHarness, userId: string) {
  await eventually(
    async () => (await h.deps.db.selectFrom('outbox').select('id').where('key', '=', userId).execute()).length,
    (n) => n === 0,
  );
  const messages = (await readToEnd(h, h.prefix + topics.decisions.name)).filter((m) => m.key?.toString() === userId);
  return {
    decisions: ofType(messages, DecisionRecordedSchema),
    reflections: ofType(messages, ReflectionRecordedSchema),
    resets: ofType(messages, CycleResetSchema),
  };
}

/**
 * The user's prompt transitions on prompts.v1, in order, once the engine has published all it wrote (as publishedFor):
 * exact, so a transition published twice is seen.
 */
export async function promptsFor(h: EngineHarness, userId: string) {
  await eventually(
    async () => (await h.deps.db.selectFrom('outbox').select('id').where('key', '=', userId).execute()).length,
    (n) => n === 0,
  );
  const messages = (await readToEnd(h, h.prefix + topics.prompts.name)).filter((m) => m.key?.toString() === userId);
  return ofType(messages, PromptTransitionSchema);
}

/** Events parked on a topic's dead-letter topic so far, with the reason and error the consumer gave. */
export async function deadLettered(h: EngineHarness, topic: Topic): Promise<Array<{ eventId: string; reason: string; error: string }>> {
  const messages = await readToEnd(h, deadLetterTopicName(h.prefix + topic.name));
  return messages.map((m) => ({
    eventId: headerValue(m.headers, headerNames.eventId) ?? '',
    reason: headerValue(m.headers, 'dlq-reason') ?? '',
    error: headerValue(m.headers, 'dlq-error') ?? '',
  }));
}

/**
 * Waits until every one of `eventIds` is parked on the topic's dead-letter topic; then the ids of every event parked
 * there so far, in order (a duplicate shows), and what the consumer gave for one of them: its [reason, error]s.
 */
export async function parkedOn(h: EngineHarness, topic: Topic, eventIds: readonly string[]) {
  const parked = await eventually(
    () => deadLettered(h, topic),
    (letters) => eventIds.every((id) => letters.some((l) => l.eventId === id)),
  );
  return {
    eventIds: parked.map((l) => l.eventId),
    letter: (id: string) => parked.filter((l) => l.eventId === id).map((l) => [l.reason, l.error]),
  };
}
