import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import type {
  AdvanceClockResponse,
  SetCycleDayResponse,
} from '@omtobe/proto/state-engine/v1';
import type { InjectHighStakesEventResponse, InjectHrvDropResponse } from '@omtobe/proto/integrations/v1';
import { callPeer } from '../peers/call.ts';
import type { Caller, GatewayDeps } from './context.ts';
import { forRegisteredUser } from './registered-user.ts';

// Development mode's demo controls (the seed's "quick actions"): the services refuse them in production,
// and the gateway does not even route them there.

export function injectHrvDrop(deps: GatewayDeps, caller: Caller, dropPercent: number): Promise<InjectHrvDropResponse> {
  return forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.injectHrvDrop({ userId: caller.userId, dropPercent }, options));
}

export function injectHighStakesEvent(deps: GatewayDeps, caller: Caller, title: string, minutes: number): Promise<InjectHighStakesEventResponse> {
  return forRegisteredUser(deps, caller, 'integrations', (options) =>
    deps.peers.integrations.injectHighStakesEvent({
      userId: caller.userId,
      title,
      duration: create(DurationSchema, { seconds: BigInt(Math.round(minutes * 60)) }),
    }, options),
  );
}

/** Moves the state engine's clock (the one that counts days and cooling) forward. */
export function advanceTime(deps: GatewayDeps, minutes: number): Promise<AdvanceClockResponse> {
  return callPeer('state-engine', (options) =>
    deps.peers.stateEngine.advanceClock({ by: create(DurationSchema, { seconds: BigInt(Math.round(minutes * 60)) }) }, options),
  );
}

export function setCycleDay(deps: GatewayDeps, caller: Caller, day: number): Promise<SetCycleDayResponse> {
  return forRegisteredUser(deps, caller, 'state-engine', (options) => deps.peers.stateEngine.setCycleDay({ userId: caller.userId, day }, options));
}
