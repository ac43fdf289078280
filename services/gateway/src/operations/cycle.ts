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
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { forRegisteredUser } from './registered-user.ts';

/** POST /state/check. */
export async function checkState(deps: Deps, caller: Caller): Promise<CheckStateResponse> {
  const brake = await forRegisteredUser(deps, caller, 'state-engine', (options) => deps.peers.stateEngine.checkBrake({ userId: caller.userId }, options));
  return create(CheckStateResponseSchema, { brake });
}

/** GET /state. */
export async function getState(deps: Deps, caller: Caller): Promise<GetStateResponse> {
  const state = await forRegisteredUser(deps, caller, 'state-engine', (options) => deps.peers.stateEngine.getState({ userId: caller.userId }, options));
  return create(GetStateResponseSchema, { state });
}

/** POST /decisions: the idempotency key goes to the state engine, which records once per key. */
export async function recordDecision(deps: Deps, caller: Caller, req: RecordDecisionRequest): Promise<RecordDecisionResponse> {
  const result = await forRegisteredUser(deps, caller, 'state-engine', (options) =>
    deps.peers.stateEngine.submitDecision({ userId: caller.userId, decision: req.decision, idempotencyKey: req.idempotencyKey }, options),
  );
  return create(RecordDecisionResponseSchema, { result });
}

/** POST /reflections. */
export async function recordReflection(deps: Deps, caller: Caller, req: RecordReflectionRequest): Promise<RecordReflectionResponse> {
  const result = await forRegisteredUser(deps, caller, 'state-engine', (options) =>
    deps.peers.stateEngine.submitReflection({ userId: caller.userId, response: req.response, idempotencyKey: req.idempotencyKey }, options),
  );
  return create(RecordReflectionResponseSchema, { result });
}
