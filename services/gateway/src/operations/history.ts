import { create } from '@bufbuild/protobuf';
import {
  ListDecisionHistoryResponseSchema,
  ListReflectionHistoryResponseSchema,
  type ListDecisionHistoryRequest,
  type ListDecisionHistoryResponse,
  type ListReflectionHistoryRequest,
  type ListReflectionHistoryResponse,
} from '@omtobe/proto/gateway/v1';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { forRegisteredUser } from './registered-user.ts';

/** GET /decisions/history: newest first, cursor pages from the decision log; 404 for a caller without a profile (not an empty page). */
export async function listDecisionHistory(deps: Deps, caller: Caller, req: ListDecisionHistoryRequest): Promise<ListDecisionHistoryResponse> {
  const page = await forRegisteredUser(deps, caller, 'decision-log', (options) =>
    deps.peers.decisionLog.listDecisions({ userId: caller.userId, pageSize: req.pageSize, pageToken: req.pageToken }, options),
  );
  return create(ListDecisionHistoryResponseSchema, { page });
}

/** GET /reflections/history. */
export async function listReflectionHistory(
  deps: Deps,
  caller: Caller,
  req: ListReflectionHistoryRequest,
): Promise<ListReflectionHistoryResponse> {
  const page = await forRegisteredUser(deps, caller, 'decision-log', (options) =>
    deps.peers.decisionLog.listReflections({ userId: caller.userId, pageSize: req.pageSize, pageToken: req.pageToken }, options),
  );
  return create(ListReflectionHistoryResponseSchema, { page });
}
