import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { on, topics, type TopicHandlers } from '@omtobe/events';
import { CycleResetSchema, DecisionRecordedSchema, ReflectionRecordedSchema } from '@omtobe/proto/state-engine/v1';
import { decisionFromEvent, reflectionFromEvent } from '../domain/event-records.ts';
import type { Deps } from '../operations/deps.ts';
import { recordCycleReset, recordDecision, recordReflection } from '../operations/records.ts';
import type { Database } from '../store/database.ts';
import { fromContract } from './contract.ts';

// Where each event names the registration of its user: after an erasure, events of the erased registration are
// dropped by the consumer whenever they arrive (@omtobe/events erasedBy); a later registration's are kept.
const registration = { registration: (event: { registeredAt?: Timestamp }) => event.registeredAt };

/**
 * decisions.v1 → the two logs. Each handler runs in the transaction that claims the event id in the
 * inbox (one effect per event id); rows are keyed by the state engine's ids, so the same decision under
 * another event id, or events of one user arriving out of order after a rebalance, change nothing —
 * history is read ordered by time, never by arrival.
 */
export function decisionsSubscription(deps: Deps): TopicHandlers<Database> {
  return {
    topic: topics.decisions,
    handlers: [
      on(DecisionRecordedSchema, async (event, { trx, logger }) => {
        const record = fromContract(decisionFromEvent, event);
        if (!(await recordDecision(deps, trx, record))) logger.debug({ decision_id: record.decisionId }, 'decision already recorded');
      }, registration),
      on(ReflectionRecordedSchema, async (event, { trx, logger }) => {
        const record = fromContract(reflectionFromEvent, event);
        if (!(await recordReflection(deps, trx, record))) logger.debug({ reflection_id: record.reflectionId }, 'reflection already recorded');
      }, registration),
      on(CycleResetSchema, async (event) => {
        recordCycleReset(deps, event.reason);
      }, registration),
    ],
  };
}
