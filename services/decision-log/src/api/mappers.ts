import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  DecisionEntrySchema,
  GetSummaryResponseSchema,
  ReflectionEntrySchema,
  type DecisionEntry as DecisionEntryMessage,
  type GetSummaryResponse,
  type ReflectionEntry as ReflectionEntryMessage,
} from '@omtobe/proto/decision-log/v1';
import { decisionToEnum, responseToEnum } from '../domain/event-records.ts';
import { encodePageToken, type PageCursor, type PageKind } from '../domain/page-token.ts';
import type { DecisionEntry, ReflectionEntry } from '../domain/records.ts';
import type { Summary } from '../store/summary.repo.ts';

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

/** The contract's `next_page_token`: empty on the last page. */
export function nextPageToken(kind: PageKind, next: PageCursor | undefined): string {
  return next === undefined ? '' : encodePageToken(kind, next);
}

export function summaryMessage(summary: Summary): GetSummaryResponse {
  return create(GetSummaryResponseSchema, {
    proceedCount: BigInt(summary.proceedCount),
    delayCount: BigInt(summary.delayCount),
    delayFollowedByBrakeCount: BigInt(summary.delayFollowedByBrakeCount),
    reflectionYesCount: BigInt(summary.reflectionYesCount),
    reflectionNoCount: BigInt(summary.reflectionNoCount),
    reflectionSkipCount: BigInt(summary.reflectionSkipCount),
  });
}
