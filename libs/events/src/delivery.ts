import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { context, propagation, type Context } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { HandlerBinding, TopicHandlers } from './handlers.ts';
import type { DeadLetterReason } from './dead-letter.ts';
import { headerNames, headerValue, stringHeaders } from './headers.ts';
import { eventSchema } from './topics.ts';

/** A message decoded and matched to its handler, ready to run. */
export interface Delivery<DB> {
  message: KafkaMessage;
  eventId: string;
  eventType: string;
  /** The record key: the user id. */
  key: string;
  occurredAt: Date;
  /** The registration of the user the event belongs to, when its binding says where the event names it. */
  registeredAt?: Date;
  event: MessageShape<DescMessage>;
  binding: HandlerBinding<DB>;
  /** The trace context the producer sent along, for the handler to run in. */
  parent: Context;
}

/**
 * A message of a subscribed topic as its event and handler; a reason to park it in the dead-letter topic
 * (no envelope, an event type the topic does not carry, bytes that do not decode); or undefined when this
 * service has no handler for the event (acknowledged and ignored).
 */
export function decodeDelivery<DB>(
  subscription: TopicHandlers<DB> | undefined,
  message: KafkaMessage,
): Delivery<DB> | { reason: DeadLetterReason; error?: unknown } | undefined {
  const eventId = headerValue(message.headers, headerNames.eventId);
  const eventType = headerValue(message.headers, headerNames.eventType);
  if (!subscription || !eventId || !eventType || !message.value) return { reason: 'missing_headers' };
  const schema = eventSchema(subscription.topic, eventType);
  if (!schema) return { reason: 'unknown_event_type' };
  const binding = subscription.handlers.find((h) => h.schema.typeName === eventType);
  if (!binding) return undefined;
  let event: MessageShape<DescMessage>;
  try {
    event = fromBinary(schema, message.value);
  } catch (error) {
    return { reason: 'undecodable', error };
  }
  const occurred = headerValue(message.headers, headerNames.occurredAt);
  const registration = binding.registration?.(event);
  return {
    message,
    eventId,
    eventType,
    key: message.key?.toString('utf8') ?? '',
    occurredAt: occurred ? new Date(occurred) : new Date(Number(message.timestamp)),
    ...(registration ? { registeredAt: timestampDate(registration) } : {}),
    event,
    binding,
    parent: propagation.extract(context.active(), stringHeaders(message.headers)),
  };
}
