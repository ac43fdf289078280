import type { Interceptor } from '@connectrpc/connect';
import { callerPolicy, serviceAuthInterceptorFrom, type CallerPolicy, type Logger, type ServiceKeysConfig } from '@omtobe/platform';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';

/**
 * Who may call each RPC (service tokens, deploy/README.md "Security"). The user-facing RPCs are the gateway's
 * alone; the development clock is nobody's in production.
 */
export function decisionLogCallers(mode: 'development' | 'production'): CallerPolicy {
  const development = mode === 'development' ? ['gateway'] : [];
  return callerPolicy(DecisionLogService, {
    listDecisions: ['gateway'],
    listReflections: ['gateway'],
    exportUserData: ['gateway'],
    // Aggregates for an operator's tool; no service calls it yet: name the caller here when one does.
    getSummary: [],
    advanceDevClock: development,
  });
}

/** The server's check of the caller: only the callers the allow-list names, each with a valid service token. */
export function callerCheck(config: ServiceKeysConfig, logger: Logger): Interceptor {
  return serviceAuthInterceptorFrom(config, { policies: [decisionLogCallers(config.OMTOBE_MODE)], logger });
}
