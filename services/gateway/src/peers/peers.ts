import type { Client } from '@connectrpc/connect';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { IntegrationsService } from '@omtobe/proto/integrations/v1';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { createServiceClient, type ServiceTokenSigner } from '@omtobe/platform';

/** The services behind the gateway, each called with a deadline (INTERNAL_CALL_TIMEOUT_MS). */
export interface Peers {
  stateEngine: Client<typeof StateEngineService>;
  decisionLog: Client<typeof DecisionLogService>;
  integrations: Client<typeof IntegrationsService>;
  /** By the name the health endpoint and 503 answers report them under. */
  health: ReadonlyArray<{ name: PeerName; client: Client<typeof Health> }>;
}

export type PeerName = 'state-engine' | 'decision-log' | 'integrations';

export interface PeerAddresses {
  STATE_ENGINE_URL: string;
  DECISION_LOG_URL: string;
  INTEGRATIONS_URL: string;
  INTERNAL_CALL_TIMEOUT_MS: number;
}

/**
 * Every call to a peer carries the gateway's service token for that peer (its name is the token's audience);
 * health checks need none.
 */
export function createPeers(config: PeerAddresses, signer: ServiceTokenSigner): Peers {
  const options = (baseUrl: string) => ({ baseUrl, timeoutMs: config.INTERNAL_CALL_TIMEOUT_MS });
  const as = (audience: PeerName, baseUrl: string) => ({ ...options(baseUrl), identity: { signer, audience } });
  return {
    stateEngine: createServiceClient(StateEngineService, as('state-engine', config.STATE_ENGINE_URL)),
    decisionLog: createServiceClient(DecisionLogService, as('decision-log', config.DECISION_LOG_URL)),
    integrations: createServiceClient(IntegrationsService, as('integrations', config.INTEGRATIONS_URL)),
    health: [
      { name: 'state-engine', client: createServiceClient(Health, options(config.STATE_ENGINE_URL)) },
      { name: 'decision-log', client: createServiceClient(Health, options(config.DECISION_LOG_URL)) },
      { name: 'integrations', client: createServiceClient(Health, options(config.INTEGRATIONS_URL)) },
    ],
  };
}
