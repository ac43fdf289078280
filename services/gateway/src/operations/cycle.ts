import { create } from '@bufbuild/protobuf';
import {
  CheckStateResponseSchema,
  GetStateResponseSchema,
  RecordDecisionResponseSchema,
  RecordReflectionResponseSchema,
  type CheckStateResponse,
  type GetStateResponse,
  type RecordDecisionRequest,
  type RecordDecisionResponse,
  type RecordReflectionRequest,
  type RecordReflectionResponse,
} from '@omtobe/proto/gateway/v1';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorReasonHeader, NotFoundError, UnavailableError } from '@omtobe/platform';
import { callPeer } from '../peers/call.ts';
import { findUser } from '../store/users.repo.ts';
import type { Caller, GatewayDeps } from './context.ts';

/**
 * Calls the state engine for the caller. The state engine learns of a user from users.v1 a moment after
 * registration: in that window the answer is a retryable 503, not a 404; without a profile it is a 404
 * that says how to register.
 */
async function forRegisteredUser<T>(deps: GatewayDeps, caller: Caller, call: () => Promise<T>): Promise<T> {
  try {
    return await callPeer('state-engine', call);
  } catch (error) {
    if (!(error instanceof ConnectError) || error.code !== Code.NotFound || error.metadata.get(errorReasonHeader) !== 'unknown_user') throw error;
    if (await findUser(deps.db, caller.userId)) {
      throw new UnavailableError('the registration is still being processed; retry in a moment', { reason: 'registration_in_progress' });
    }
    throw new NotFoundError('register first with POST /api/v1/users', { reason: 'user_not_registered' });
  }
}

/** POST /state/check. */
export async function checkState(deps: GatewayDeps, caller: Caller): Promise<CheckStateResponse> {
  const brake = await forRegisteredUser(deps, caller, () => deps.peers.stateEngine.checkBrake({ userId: caller.userId }));
  return create(CheckStateResponseSchema, { brake });
}

/** GET /state. */
export async function getState(deps: GatewayDeps, caller: Caller): Promise<GetStateResponse> {
  const state = await forRegisteredUser(deps, caller, () => deps.peers.stateEngine.getState({ userId: caller.userId }));
  return create(GetStateResponseSchema, { state });
}

/** POST /decisions: the idempotency key goes to the state engine, which records once per key. */
export async function recordDecision(deps: GatewayDeps, caller: Caller, req: RecordDecisionRequest): Promise<RecordDecisionResponse> {
  const result = await forRegisteredUser(deps, caller, () =>
    deps.peers.stateEngine.submitDecision({ userId: caller.userId, decision: req.decision, idempotencyKey: req.idempotencyKey }),
  );
  return create(RecordDecisionResponseSchema, { result });
}

/** POST /reflections. */
export async function recordReflection(deps: GatewayDeps, caller: Caller, req: RecordReflectionRequest): Promise<RecordReflectionResponse> {
  const result = await forRegisteredUser(deps, caller, () =>
    deps.peers.stateEngine.submitReflection({ userId: caller.userId, response: req.response, idempotencyKey: req.idempotencyKey }),
  );
  return create(RecordReflectionResponseSchema, { result });
}
