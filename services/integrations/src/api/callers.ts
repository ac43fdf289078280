import { callerPolicy, type CallerPolicy } from '@omtobe/platform';
import { IntegrationsService } from '@omtobe/proto/integrations/v1';

/**
 * Who may call each RPC (service tokens, deploy/README.md "Security"). Everything reaches this service through
 * the gateway: the app's uploads and connects, the providers' OAuth callbacks and webhooks (which the gateway
 * receives on its public port). The development injections and clock are nobody's in production.
 */
export function integrationsCallers(mode: 'development' | 'production'): CallerPolicy {
  const development = mode === 'development' ? ['gateway'] : [];
  return callerPolicy(IntegrationsService, {
    uploadHrvSamples: ['gateway'],
    uploadCalendarEvents: ['gateway'],
    startConnection: ['gateway'],
    completeConnection: ['gateway'],
    redeemConnection: ['gateway'],
    disconnect: ['gateway'],
    listConnections: ['gateway'],
    handleWhoopWebhook: ['gateway'],
    handleCalendarNotification: ['gateway'],
    handleGraphNotification: ['gateway'],
    exportUserData: ['gateway'],
    registerDevice: ['gateway'],
    listDevices: ['gateway'],
    deleteDevice: ['gateway'],
    injectHrvDrop: development,
    injectHighStakesEvent: development,
    advanceDevClock: development,
  });
}
