import { randomUUID } from 'node:crypto';
import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Producer } from 'kafkajs';

export interface TestEvent<Desc extends DescMessage> {
  /** The full topic name on the wire (prefix included). */
  topic: string;
  key: string;
  schema: Desc;
  message: MessageShape<Desc>;
  /** Reuse an id to replay an event. */
  eventId?: string;
  occurredAt?: Date;
}

/**
 * Publishes one event the way a service's outbox relay does (protobuf value, key = user id, envelope
 * headers), so a test can drive a consumer without running the producing service. Returns the event id.
 */
export async function publishTestEvent<Desc extends DescMessage>(producer: Producer, event: TestEvent<Desc>): Promise<string> {
  const [eventId] = await publishTestEvents(producer, event.topic, [event]);
  return eventId!;
}

/**
 * Publishes several events to one topic in one request, as a relay's batch does: a consumer then finds them
 * in one fetch. Returns their ids, in order.
 */
export async function publishTestEvents<Desc extends DescMessage>(
  producer: Producer,
  topic: string,
  events: ReadonlyArray<Omit<TestEvent<Desc>, 'topic'>>,
): Promise<string[]> {
  const ids = events.map((e) => e.eventId ?? randomUUID());
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((event, i) => ({
      key: event.key,
      value: Buffer.from(toBinary(event.schema, event.message)),
      headers: {
        'event-id': ids[i]!,
        'event-type': event.schema.typeName,
        'occurred-at': (event.occurredAt ?? new Date()).toISOString(),
      },
    })),
  });
  return ids;
}
