import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Decision, ReflectionResponse, type DecisionRecorded, type ReflectionRecorded } from '@omtobe/proto/state-engine/v1';
import { InvalidArgumentError } from '@omtobe/platform';
import { userIdProblem } from '@omtobe/rules';
import { firstCycleDay, lastCycleDay, type DecisionRecord, type DecisionValue, type ReflectionRecord, type ReflectionValue } from './records.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const decisionByEnum: ReadonlyMap<Decision, DecisionValue> = new Map([
  [Decision.PROCEED, 'Proceed'],
  [Decision.DELAY, 'Delay'],
]);

const responseByEnum: ReadonlyMap<ReflectionResponse, ReflectionValue> = new Map([
  [ReflectionResponse.YES, 'Yes'],
  [ReflectionResponse.NO, 'No'],
  [ReflectionResponse.SKIP, 'Skip'],
]);

/**
 * The row a DecisionRecorded event stands for. An event that breaks the contract (unspecified answer,
 * day outside 1–7, no time, an id that is not a UUID or a user id) is refused rather than stored half-right:
 * the consumer then parks it in the dead-letter topic at once, where an operator sees it.
 */
export function decisionFromEvent(event: DecisionRecorded): DecisionRecord {
  const decision = decisionByEnum.get(event.decision);
  if (decision === undefined) throw invalid(`decision ${event.decision} is neither Proceed nor Delay`);
  if (!Number.isInteger(event.cycleDay) || event.cycleDay < firstCycleDay || event.cycleDay > lastCycleDay) {
    throw invalid(`cycle_day ${event.cycleDay} is outside ${firstCycleDay}-${lastCycleDay}`);
  }
  return {
    decisionId: requireUuid(event.decisionId, 'decision_id'),
    userId: requireUserId(event.userId),
    decidedAt: requireTime(event.decidedAt, 'decided_at'),
    decision,
    cycleDay: event.cycleDay,
  };
}

/** The row a ReflectionRecorded event stands for; refuses events that break the contract. */
export function reflectionFromEvent(event: ReflectionRecorded): ReflectionRecord {
  const response = responseByEnum.get(event.response);
  if (response === undefined) throw invalid(`response ${event.response} is not Yes, No or Skip`);
  return {
    reflectionId: requireUuid(event.reflectionId, 'reflection_id'),
    userId: requireUserId(event.userId),
    answeredAt: requireTime(event.answeredAt, 'answered_at'),
    response,
    cycleStart: requireTime(event.cycleStart, 'cycle_start'),
  };
}

export function decisionToEnum(value: DecisionValue): Decision {
  return value === 'Proceed' ? Decision.PROCEED : Decision.DELAY;
}

export function responseToEnum(value: ReflectionValue): ReflectionResponse {
  return value === 'Yes' ? ReflectionResponse.YES : value === 'No' ? ReflectionResponse.NO : ReflectionResponse.SKIP;
}

function requireUuid(value: string, field: string): string {
  if (value.length !== 36 || !UUID.test(value)) throw invalid(`${field} is not a UUID`);
  return value.toLowerCase();
}

// The rule every service applies to user ids (@omtobe/rules), reported as a contract breach of the event.
function requireUserId(value: string): string {
  const problem = userIdProblem(value);
  if (problem !== undefined) throw invalid(`user_id ${problem}`);
  return value;
}

function requireTime(value: Timestamp | undefined, field: string): Date {
  if (value === undefined) throw invalid(`${field} is missing`);
  const date = timestampDate(value);
  if (Number.isNaN(date.getTime())) throw invalid(`${field} is not a valid time`);
  return date;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid event: ${message}`, { reason: 'invalid_event' });
}
