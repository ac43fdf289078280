import { create } from '@bufbuild/protobuf';
import {
  ListDecisionHistoryResponseSchema,
  ListReflectionHistoryResponseSchema,
  type ListDecisionHistoryRequest,
  type ListDecisionHistoryResponse,
  type ListReflectionHistoryRequest,
  type ListReflectionHistoryResponse,
} from '@omtobe/proto/gateway/v1';
import { callPeer } from '../peers/call.ts';
import type { Caller, GatewayDeps } from './context.ts';

/** GET /decisions/history: newest first, cursor pages from the decision log. */
export async function listDecisionHistory(deps: GatewayDeps, caller: Caller, req: ListDecisionHistoryRequest): Promise<ListDecisionHistoryResponse> {
  const page = await callPeer('decision-log', (options) =>
    deps.peers.decisionLog.listDecisions({ userId: caller.userId, pageSize: req.pageSize, pageToken: req.pageToken }, options),
    caller.signal,
  );
  return create(ListDecisionHistoryResponseSchema, { page });
}

/** GET /reflections/history. */
export async function listReflectionHistory(
  deps: GatewayDeps,
  caller: Caller,
  req: ListReflectionHistoryRequest,
): Promise<ListReflectionHistoryResponse> {
  const page = await callPeer('decision-log', (options) =>
    deps.peers.decisionLog.listReflections({ userId: caller.userId, pageSize: req.pageSize, pageToken: req.pageToken }, options),
    caller.signal,
  );
  return create(ListReflectionHistoryResponseSchema, { page });
}
