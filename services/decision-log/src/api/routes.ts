import type { ConnectRouter } from '@connectrpc/connect';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';

/** The decision log's RPCs. History, export and summary arrive with the decision-log issue; until then every RPC answers UNIMPLEMENTED. */
export function decisionLogRoutes() {
  return (router: ConnectRouter) => {
    router.service(DecisionLogService, {});
  };
}
