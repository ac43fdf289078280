import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DecisionEntrySchema, ReflectionEntrySchema, type DecisionEntry as DecisionEntryMessage, type ReflectionEntry as ReflectionEntryMessage } from '@omtobe/proto/decision-log/v1';
import { decisionToEnum, responseToEnum } from '../domain/event-records.ts';
import type { DecisionEntry, ReflectionEntry } from '../domain/records.ts';

export function decisionMessage(entry: DecisionEntry): DecisionEntryMessage {
  return create(DecisionEntrySchema, {
    decisionId: entry.decisionId,
    decidedAt: timestampFromDate(entry.decidedAt),
    decision: decisionToEnum(entry.decision),
    cycleDay: entry.cycleDay,
  });
}

export function reflectionMessage(entry: ReflectionEntry): ReflectionEntryMessage {
  return create(ReflectionEntrySchema, {
    reflectionId: entry.reflectionId,
    answeredAt: timestampFromDate(entry.answeredAt),
    response: responseToEnum(entry.response),
    cycleStart: timestampFromDate(entry.cycleStart),
  });
}
