import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';

/**
 * "Nothing (more) was published" cannot be seen by waiting: however long a test waits, the message it should
 * not find may still be on its way. A sentinel closes the question. Written with the same key as the messages
 * under test it lands on their partition, after them; a reader that has reached it has read every one of them,
 * so counts taken then are exact.
 *
 * Where a service, not the test, writes the topic (a consumer's dead letters), the sentinel must go through the
 * service after the events under test (one more event it will dead-letter), so the service orders it.
 */

/** The event type of sentinels: no service has a handler or a schema for it. */
export const sentinelEventType = 'omtobe.testing.Sentinel';

/** Whether a message is a sentinel (`id` given: that sentinel). */
export function isSentinel(message: Pick<KafkaMessage, 'headers'>, id?: string): boolean {
  const header = (name: string) => message.headers?.[name]?.toString();
  return header('event-type') === sentinelEventType && (id === undefined || header('event-id') === id);
}

/** Produces a sentinel with `key` (the partition of that key's messages) to `topic`; returns its event id. */
export async function produceSentinel(producer: Producer, topic: string, key: string): Promise<string> {
  const id = `sentinel-${randomUUID()}`;
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key, value: Buffer.from(id), headers: { 'event-id': id, 'event-type': sentinelEventType, 'occurred-at': new Date().toISOString() } }],
  });
  return id;
}

export interface ReadMessage {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads `topic` from the beginning until `isLast` holds for a message (a sentinel), and returns every message of
 * that message's partition before it, in order. What was written to that partition before the sentinel is all
 * there: count it exactly. Fails after `timeoutMs` if no such message came.
 */
export async function readUntil(kafka: Kafka, topic: string, isLast: (message: KafkaMessage) => boolean, timeoutMs = 20_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `sentinel-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const received: ReadMessage[] = [];
  let last: ReadMessage | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sentinel on ${topic} within ${timeoutMs} ms (${received.length} messages read)`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (last) return;
            if (isLast(message)) {
              last = { partition, message };
              clearTimeout(timer);
              resolve();
            } else {
              received.push({ partition, message });
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received.filter((r) => r.partition === last!.partition).map((r) => r.message);
}

/** Produces a sentinel with `key` to `topic` and reads up to it: every message of that key's partition before it. */
export async function readUpToSentinel(kafka: Kafka, producer: Producer, topic: string, key: string, timeoutMs?: number): Promise<KafkaMessage[]> {
  const id = await produceSentinel(producer, topic, key);
  return readUntil(kafka, topic, (m) => isSentinel(m, id), timeoutMs);
}
