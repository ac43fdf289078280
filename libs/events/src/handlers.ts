import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Topic } from './topics.ts';

/**
 * Thrown by a handler for an event that can never succeed (it breaks the contract): the event goes to the
 * dead-letter topic at once instead of being retried.
 */
export class PermanentEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentEventError';
  }
}

/** What a handler gets: the decoded event, its envelope, and the transaction its effect must use. */
export interface EventContext<DB> {
  eventId: string;
  occurredAt: Date;
  key: string;
  trx: Transaction<DB>;
  logger: Logger;
  /**
   * Runs `work` once in this transaction, after its last event and before it commits, however many of its
   * events ask with the same `key` (the first one asked wins; all must mean the same work). For state derived
   * from many events, such as a baseline: a batch of samples of one user recomputes it once.
   */
  deferOnce(key: string, work: () => Promise<void>): void;
}

export type EventHandler<DB, Desc extends DescMessage = DescMessage> = (
  event: MessageShape<Desc>,
  ctx: EventContext<DB>,
) => Promise<void>;

/** Handlers for one topic, by event message; an event without a handler is acknowledged and ignored. */
export interface TopicHandlers<DB> {
  topic: Topic;
  handlers: ReadonlyArray<HandlerBinding<DB>>;
}

export interface HandlerBinding<DB> {
  schema: DescMessage;
  handle: EventHandler<DB, DescMessage>;
  /** The registration of the user the event belongs to, for erasure tombstones (see BindingOptions). */
  registration?: (event: MessageShape<DescMessage>) => Timestamp | undefined;
}

export interface BindingOptions<Desc extends DescMessage> {
  /**
   * Where the event names the registration of its user it belongs to (e.g. `registered_at`): with erasure
   * tombstones, an event of the erased registration or an earlier one is dropped whenever it occurred
   * (erasures.ts `erasedBy`). Events that name none are judged by when they occurred.
   */
  registration?: (event: MessageShape<Desc>) => Timestamp | undefined;
}

/** Binds a handler to its event message with the message's type checked. */
export function on<DB, Desc extends DescMessage>(schema: Desc, handle: EventHandler<DB, Desc>, options: BindingOptions<Desc> = {}): HandlerBinding<DB> {
  return {
    schema,
    handle: handle as unknown as EventHandler<DB, DescMessage>,
    ...(options.registration ? { registration: options.registration as (event: MessageShape<DescMessage>) => Timestamp | undefined } : {}),
  };
}
