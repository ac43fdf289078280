import { randomUUID } from 'node:crypto';
import { topics } from '@omtobe/events';
import type { ReplicaStack } from '../infra/replica-stack.ts';
import { sessionTimeoutMs } from '../infra/service-env.ts';
import { LoadDriver } from '../load/load-driver.ts';
import { onePerPartition } from '../load/partition-probes.ts';
import type { Fault } from './under-load.ts';

/**
 * The survivor must hold the dead replica's partitions within: the session timeout (until the group notices
 * the death), the development broker's rebalance wait (it assigns again only sessionTimeout − 1 s after a
 * membership change, where Kafka proper does as soon as the members have rejoined), and 3 s of slack.
 */
const takeOverMaxMs = sessionTimeoutMs + (sessionTimeoutMs - 1_000) + 3_000;

/**
 * Users registered after a state engine died, one on each partition (users.v1, hrv.v1 and calendar.v1 are
 * all keyed by user id with the same partition count): when every one is known to the state engine and sees
 * its brake, the surviving replica consumes every partition, the dead one's included.
 */
export async function takeOverProbes(
  stack: ReplicaStack,
  token: (userId: string) => string,
  killedAt: number,
  say: (line: string) => void,
): Promise<Pick<Fault, 'figures' | 'failures'> & { probes: LoadDriver }> {
  const probes = new LoadDriver(stack.gatewayUrl, onePerPartition(`chaos-probe-${randomUUID().slice(0, 6)}`, topics.users.partitions), token);
  const failures: string[] = [];
  await probes.setUp(60_000).catch((error: Error) => failures.push(`probe users: ${error.message}`));
  const latest = (pick: (m: AppUserMilestones) => number | undefined) => {
    const times = probes.users.map((u) => pick(u.milestones));
    return times.every((t) => t !== undefined) ? Math.max(...(times as number[])) - killedAt : undefined;
  };
  // Probes on the survivor's own partitions are known at once; the others waited for the rebalance.
  const waited = probes.users.filter((u) => u.milestones.known !== undefined && u.milestones.known - killedAt > 2_000).length;
  const connections = (name: 'gateway' | 'state-engine') => Object.values(stack.balancers[name].connections()).join(' / ');
  say(`probes on every partition known ${latest((m) => m.known)} ms after the kill, brake after ${latest((m) => m.brake)} ms`);
  return {
    probes,
    failures,
    figures: [
      { label: `kill → users on all ${topics.users.partitions} partitions known to the state engine`, value: latest((m) => m.known), unit: 'ms', targetMax: takeOverMaxMs },
      { label: 'kill → their brake shows (calendar.v1 and hrv.v1 consumed)', value: latest((m) => m.brake), unit: 'ms', targetMax: takeOverMaxMs + 2_000 },
      { label: 'probe partitions that waited for the rebalance (> 2 s)', value: waited, unit: 'count' },
      { label: 'connections per gateway replica; per state-engine replica', value: `${connections('gateway')}; ${connections('state-engine')}`, unit: 'text' },
    ],
  };
}

type AppUserMilestones = LoadDriver['users'][number]['milestones'];
