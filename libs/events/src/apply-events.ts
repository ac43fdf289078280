import { context } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Delivery } from './delivery.ts';
import { erasedBy, erasuresOf, lockUsersShared, type Erasure, type ErasureTables } from './erasures.ts';
import type { EventContext } from './handlers.ts';
import { claimEvents, type InboxTables } from './inbox.ts';

/** What became of one event in its transaction. */
export interface EventOutcome {
  /** True when the inbox already had the event: redelivered, no second effect. */
  duplicate: boolean;
  /** True when the event was dropped because its user was erased (see EventConsumerOptions.honourErasures). */
  erased: boolean;
}

export interface ApplyOptions {
  /** The consumer's name in the inbox. */
  groupId: string;
  honourErasures: boolean;
  /** A logger naming the message: called only when something is logged (most events log nothing). */
  loggerFor: (message: KafkaMessage) => Logger;
}

/**
 * Applies events in the caller's transaction, each effect exactly once: one inbox claim for all, one erasure
 * lookup, the handlers in order, then the work they deferred. Throws when a handler does (the transaction then
 * rolls back with every claim).
 */
export async function applyEvents<DB>(
  trx: Transaction<DB & InboxTables>,
  deliveries: ReadonlyArray<Delivery<DB>>,
  options: ApplyOptions,
): Promise<EventOutcome[]> {
  const claimed = await claimEvents(trx, options.groupId, deliveries.map((d) => d.eventId));
  const erasures = options.honourErasures ? await erasuresHeld(trx, deliveries.map((d) => d.key)) : new Map<string, Erasure>();
  const deferred = new Map<string, () => Promise<void>>();
  const outcomes: EventOutcome[] = [];
  for (const delivery of deliveries) {
    // A second copy of an event in the same chunk is a duplicate of the first.
    if (!claimed.delete(delivery.eventId)) {
      options.loggerFor(delivery.message).debug('event already handled');
      outcomes.push({ duplicate: true, erased: false });
      continue;
    }
    if (erasedBy(erasures.get(delivery.key), delivery)) {
      options.loggerFor(delivery.message).info('event of an erased user dropped');
      outcomes.push({ duplicate: false, erased: true });
      continue;
    }
    await runHandler(trx, delivery, deferred, options);
    outcomes.push({ duplicate: false, erased: false });
  }
  for (const work of deferred.values()) await work();
  return outcomes;
}

function runHandler<DB>(
  trx: Transaction<DB & InboxTables>,
  d: Delivery<DB>,
  deferred: Map<string, () => Promise<void>>,
  options: ApplyOptions,
): Promise<void> {
  let logger: Logger | undefined;
  const ctx: EventContext<DB> = {
    eventId: d.eventId,
    occurredAt: d.occurredAt,
    key: d.key,
    trx: trx as unknown as Transaction<DB>,
    // Made only when a handler logs: most never do, and a child logger per event is not free.
    get logger() {
      return (logger ??= options.loggerFor(d.message));
    },
    deferOnce(key, work) {
      if (!deferred.has(key)) deferred.set(key, work);
    },
  };
  return context.with(d.parent, () => d.binding.handle(d.event, ctx));
}

/**
 * The users' erasures, with the users' locks held shared until the transaction ends: an erasure under way is
 * waited for (and then seen), and one that starts later waits for these events and deletes their rows too.
 */
async function erasuresHeld<DB>(trx: Transaction<DB & InboxTables>, userIds: readonly string[]): Promise<Map<string, Erasure>> {
  const db = trx as unknown as Kysely<ErasureTables>;
  await lockUsersShared(db, userIds);
  return erasuresOf(db, userIds);
}
