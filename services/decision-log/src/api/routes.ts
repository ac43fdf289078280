import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import type { Kysely } from 'kysely';
import { advanceDevClock, type DevClock } from '@omtobe/db';
import {
  AdvanceDevClockResponseSchema,
  DecisionLogService,
  ExportUserDataResponseSchema,
  GetSummaryResponseSchema,
  ListDecisionsResponseSchema,
  ListReflectionsResponseSchema,
} from '@omtobe/proto/decision-log/v1';
import { decodePageToken, encodePageToken, type PageKind } from '../domain/page-token.ts';
import { resolvePageSize, type Page } from '../domain/paging.ts';
import { summaryRange } from '../domain/summary-range.ts';
import { requireUserId } from '../domain/user-id.ts';
import type { Database } from '../store/database.ts';
import { allDecisions, listDecisions } from '../store/decisions.repo.ts';
import { allReflections, listReflections } from '../store/reflections.repo.ts';
import { summarize } from '../store/summary.repo.ts';
import { decisionMessage, reflectionMessage } from './entries.ts';

export interface DecisionLogRoutesDeps {
  db: Kysely<Database>;
  /** Present only in development mode: AdvanceDevClock refuses without it. */
  devClock?: DevClock;
}

/** The decision log's RPCs: validate the request, ask the store, shape the answer. Errors are domain errors. */
export function decisionLogRoutes(deps: DecisionLogRoutesDeps) {
  const { db } = deps;
  return (router: ConnectRouter) => {
    router.service(DecisionLogService, {
      async listDecisions(request) {
        const userId = requireUserId(request.userId);
        const page = await listDecisions(db, userId, pageRequest('decisions', request));
        return create(ListDecisionsResponseSchema, {
          decisions: page.entries.map(decisionMessage),
          nextPageToken: nextToken('decisions', page, (e) => ({ time: e.decidedAt, id: e.decisionId })),
        });
      },

      async listReflections(request) {
        const userId = requireUserId(request.userId);
        const page = await listReflections(db, userId, pageRequest('reflections', request));
        return create(ListReflectionsResponseSchema, {
          reflections: page.entries.map(reflectionMessage),
          nextPageToken: nextToken('reflections', page, (e) => ({ time: e.answeredAt, id: e.reflectionId })),
        });
      },

      async exportUserData(request) {
        const userId = requireUserId(request.userId);
        // One snapshot: the two lists must describe the same moment.
        const [decisions, reflections] = await db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute((trx) => Promise.all([allDecisions(trx, userId), allReflections(trx, userId)]));
        return create(ExportUserDataResponseSchema, {
          decisions: decisions.map(decisionMessage),
          reflections: reflections.map(reflectionMessage),
        });
      },

      async getSummary(request) {
        const summary = await summarize(db, summaryRange(request.from, request.to));
        return create(GetSummaryResponseSchema, {
          proceedCount: BigInt(summary.proceedCount),
          delayCount: BigInt(summary.delayCount),
          delayFollowedByBrakeCount: BigInt(summary.delayFollowedByBrakeCount),
          reflectionYesCount: BigInt(summary.reflectionYesCount),
          reflectionNoCount: BigInt(summary.reflectionNoCount),
          reflectionSkipCount: BigInt(summary.reflectionSkipCount),
        });
      },

      async advanceDevClock(request) {
        const moved = await advanceDevClock(deps.devClock, request.offset ? durationMs(request.offset) : 0);
        return create(AdvanceDevClockResponseSchema, { offset: durationFromMs(moved.offsetMs), now: timestampFromDate(moved.now) });
      },
    });
  };
}

function pageRequest(kind: PageKind, request: { pageSize: number; pageToken: string }) {
  return { limit: resolvePageSize(request.pageSize), after: decodePageToken(kind, request.pageToken) };
}

function nextToken<T>(kind: PageKind, page: Page<T>, cursorOf: (entry: T) => { time: Date; id: string }): string {
  const last = page.entries.at(-1);
  return page.hasMore && last !== undefined ? encodePageToken(kind, cursorOf(last)) : '';
}
