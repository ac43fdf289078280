import { once } from 'node:events';
import { startReplicaStack } from '../infra/replica-stack.ts';
import type { Scenario } from './scenario.ts';
import { takeOverProbes } from './take-over-probes.ts';
import { runUnderLoad, type Fault } from './under-load.ts';

/**
 * Two replicas of every service behind balancers; one state engine is SIGKILLed under load and stays
 * dead. The app may see only 2xx and 503, and the survivor must take over the dead one's partitions
 * (see take-over-probes.ts).
 */
export const replicaKill: Scenario = {
  name: 'replica-kill',
  core: false,
  async run(ctx) {
    // Two replicas of everything on two cores: the single stack makes way.
    await ctx.stopStack();
    const stack = await startReplicaStack({ root: ctx.root, logDir: ctx.logDir, postgres: ctx.postgres, database: 'omtobe_replicas', identity: ctx.identity, log: ctx.say });
    try {
      return await runUnderLoad({
        label: 'replica-kill',
        gatewayUrl: stack.gatewayUrl,
        pool: stack.pool,
        token: ctx.identity.token,
        users: 20,
        warmupMs: 5_000,
        callsRecoveredMaxMs: 10_000,
        logCompleteMaxMs: 15_000,
        say: ctx.say,
        logDir: ctx.logDir,
        async inject(driver): Promise<Fault> {
          const victim = stack.group.child('state-engine-a')!;
          const exited = once(victim, 'exit');
          const start = Date.now();
          victim.kill('SIGKILL');
          await exited;
          const alongside = takeOverProbes(stack, ctx.identity.token, start, ctx.say).then(({ probes, figures, failures }) => {
            // The probes' answers are held to the same contract as the load's.
            for (const record of probes.log.records) driver.log.add(record);
            return { figures, failures };
          });
          return { start, end: start, figures: [], failures: [], alongside };
        },
      });
    } finally {
      await stack.stop();
    }
  },
};
