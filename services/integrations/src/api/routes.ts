import type { ConnectRouter } from '@connectrpc/connect';
import { IntegrationsService } from '@omtobe/proto/integrations/v1';

/** The integrations RPCs. Uploads, OAuth, webhooks and mocks arrive with the integrations issue; until then every RPC answers UNIMPLEMENTED. */
export function integrationsRoutes() {
  return (router: ConnectRouter) => {
    router.service(IntegrationsService, {});
  };
}
