import type { ConnectRouter } from '@connectrpc/connect';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';

/** The state engine's RPCs. The brake, state, decision and reflection handlers arrive with the state-engine issue; until then every RPC answers UNIMPLEMENTED. */
export function stateEngineRoutes() {
  return (router: ConnectRouter) => {
    router.service(StateEngineService, {});
  };
}
