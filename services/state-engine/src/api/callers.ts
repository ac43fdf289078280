import { callerPolicy, type CallerPolicy } from '@omtobe/platform';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';

/**
 * Who may call each RPC (service tokens, deploy/README.md "Security"). The user-facing RPCs are the gateway's
 * alone; the development controls are nobody's in production (they also refuse without the development clock).
 */
export function stateEngineCallers(mode: 'development' | 'production'): CallerPolicy {
  const development = mode === 'development' ? ['gateway'] : [];
  return callerPolicy(StateEngineService, {
    checkBrake: ['gateway'],
    getState: ['gateway'],
    submitDecision: ['gateway'],
    submitReflection: ['gateway'],
    setCycleDay: development,
    advanceClock: development,
    advanceDevClock: development,
  });
}
