import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import {
  AdvanceDevClockResponseSchema,
  DecisionLogService,
  ExportUserDataResponseSchema,
  ListDecisionsResponseSchema,
  ListReflectionsResponseSchema,
} from '@omtobe/proto/decision-log/v1';
import { requireUserId } from '@omtobe/rules';
import { decodePageToken, type PageKind } from '../domain/page-token.ts';
import { resolvePageSize } from '../domain/paging.ts';
import { summaryRange } from '../domain/summary-range.ts';
import type { Deps } from '../operations/deps.ts';
import { moveDevClock } from '../operations/dev-clock.ts';
import { exportUserData } from '../operations/export.ts';
import { decisionHistory, reflectionHistory, type HistoryQuery } from '../operations/history.ts';
import { summary } from '../operations/summary.ts';
import { decisionMessage, nextPageToken, reflectionMessage, summaryMessage } from './mappers.ts';

/** The decision log's RPCs: validate the request, run the operation, map the answer. Errors are domain errors. */
export function decisionLogRoutes(deps: Deps) {
  return (router: ConnectRouter) => {
    router.service(DecisionLogService, {
      async listDecisions(request) {
        const page = await decisionHistory(deps, historyQuery('decisions', request));
        return create(ListDecisionsResponseSchema, {
          decisions: page.entries.map(decisionMessage),
          nextPageToken: nextPageToken('decisions', page.next),
        });
      },

      async listReflections(request) {
        const page = await reflectionHistory(deps, historyQuery('reflections', request));
        return create(ListReflectionsResponseSchema, {
          reflections: page.entries.map(reflectionMessage),
          nextPageToken: nextPageToken('reflections', page.next),
        });
      },

      async exportUserData(request) {
        const data = await exportUserData(deps, requireUserId(request.userId));
        return create(ExportUserDataResponseSchema, {
          decisions: data.decisions.map(decisionMessage),
          reflections: data.reflections.map(reflectionMessage),
        });
      },

      async getSummary(request) {
        return summaryMessage(await summary(deps, summaryRange(request.from, request.to)));
      },

      async advanceDevClock(request) {
        const moved = await moveDevClock(deps, request.offset ? durationMs(request.offset) : 0);
        return create(AdvanceDevClockResponseSchema, { offset: durationFromMs(moved.offsetMs), now: timestampFromDate(moved.now) });
      },
    });
  };
}

function historyQuery(kind: PageKind, request: { userId: string; pageSize: number; pageToken: string }): HistoryQuery {
  return { userId: requireUserId(request.userId), limit: resolvePageSize(request.pageSize), after: decodePageToken(kind, request.pageToken) };
}
