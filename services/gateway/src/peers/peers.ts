import type { Client } from '@connectrpc/connect';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { createServiceClient } from '@omtobe/platform';
import type { Config } from '../config.ts';

/** The services behind the gateway, by the name the health endpoint reports them under. */
export interface Peers {
  health: ReadonlyArray<{ name: string; client: Client<typeof Health> }>;
}

export function createPeers(config: Config): Peers {
  const options = (baseUrl: string) => ({ baseUrl, timeoutMs: config.INTERNAL_CALL_TIMEOUT_MS });
  return {
    health: [
      { name: 'state-engine', client: createServiceClient(Health, options(config.STATE_ENGINE_URL)) },
      { name: 'decision-log', client: createServiceClient(Health, options(config.DECISION_LOG_URL)) },
      { name: 'integrations', client: createServiceClient(Health, options(config.INTEGRATIONS_URL)) },
    ],
  };
}
