import type { KafkaMessage, Producer } from 'kafkajs';
import { deadLetterTopicName } from './topics.ts';
import { stringHeaders } from './headers.ts';

/** Why a message was parked instead of handled. */
export type DeadLetterReason = 'missing_headers' | 'unknown_event_type' | 'undecodable' | 'handler_failed';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: DeadLetterReason;
  error?: unknown;
}

/** Copies a message byte for byte to `<topic>.dlq` with where it came from and why; the partition moves on. */
export async function sendToDeadLetter(producer: Producer, letter: DeadLetter): Promise<void> {
  const { topic, partition, message, reason, error } = letter;
  await producer.send({
    topic: deadLetterTopicName(topic),
    acks: -1,
    messages: [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...stringHeaders(message.headers),
          'dlq-reason': reason,
          'dlq-error': error === undefined ? '' : String((error as Error)?.message ?? error).slice(0, 500),
          'dlq-source-topic': topic,
          'dlq-source-partition': String(partition),
          'dlq-source-offset': message.offset,
        },
      },
    ],
  });
}
