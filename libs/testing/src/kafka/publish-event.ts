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
  const eventId = event.eventId ?? randomUUID();
  await producer.send({
    topic: event.topic,
    acks: -1,
    messages: [
      {
        key: event.key,
        value: Buffer.from(toBinary(event.schema, event.message)),
        headers: {
          'event-id': eventId,
          'event-type': event.schema.typeName,
          'occurred-at': (event.occurredAt ?? new Date()).toISOString(),
        },
      },
    ],
  });
  return eventId;
}
