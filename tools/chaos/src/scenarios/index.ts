import { brokerDown, brokerSlow } from './broker-faults.ts';
import { killService } from './kill-service.ts';
import { postgresRestart } from './postgres-restart.ts';
import { replicaKill } from './replica-kill.ts';
import type { Scenario } from './scenario.ts';

/** Every scenario, in the order a full run takes them (the replica scenario last: it needs its own stack). */
export const allScenarios: readonly Scenario[] = [
  killService('state-engine', true),
  killService('decision-log', false),
  killService('integrations', false),
  killService('gateway', false),
  postgresRestart,
  brokerDown,
  brokerSlow,
  replicaKill,
];
