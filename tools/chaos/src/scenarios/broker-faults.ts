import { setTimeout as delay } from 'node:timers/promises';
import type { Scenario } from './scenario.ts';
import { runUnderLoad, type Fault } from './under-load.ts';

/**
 * The broker down under load, then up: decisions and uploads keep being acknowledged (they wait in the
 * outboxes), and none is lost; the decision log holds them all within 10 s of the broker's return.
 */
export const brokerDown: Scenario = {
  name: 'broker-down',
  core: true,
  async run(ctx) {
    const stack = await ctx.stack();
    const outageMs = ctx.quick ? 10_000 : 30_000;
    return runUnderLoad({
      label: 'broker-down',
      gatewayUrl: stack.gatewayUrl,
      pool: stack.pool,
      token: ctx.identity.token,
      users: 20,
      warmupMs: 4_000,
      callsRecoveredMaxMs: 10_000,
      logCompleteMaxMs: 10_000,
      say: ctx.say,
      logDir: ctx.logDir,
      async inject(): Promise<Fault> {
        const start = Date.now();
        await stack.broker.faults.brokerDown(1);
        await delay(outageMs - (Date.now() - start));
        await stack.broker.faults.brokerUp(1);
        const end = Date.now();
        ctx.say(`broker down ${end - start} ms`);
        return { start, end, figures: [{ label: 'broker down', value: end - start, unit: 'ms' }], failures: [] };
      },
    });
  },
};

/** Every broker response 300–500 ms late for a while: slower, but nothing lost and no answer outside the contract. */
export const brokerSlow: Scenario = {
  name: 'broker-slow',
  core: false,
  async run(ctx) {
    const stack = await ctx.stack();
    return runUnderLoad({
      label: 'broker-slow',
      gatewayUrl: stack.gatewayUrl,
      pool: stack.pool,
      token: ctx.identity.token,
      users: 20,
      warmupMs: 4_000,
      callsRecoveredMaxMs: 10_000,
      logCompleteMaxMs: 10_000,
      say: ctx.say,
      logDir: ctx.logDir,
      async inject(): Promise<Fault> {
        const start = Date.now();
        for (const rtt of [300, 500, 400]) {
          await stack.broker.faults.setRtt(1, rtt);
          await delay(8_000);
        }
        await stack.broker.faults.setRtt(1, 0);
        const end = Date.now();
        return { start, end, figures: [{ label: 'broker slowed (300, 500, 400 ms RTT)', value: end - start, unit: 'ms' }], failures: [] };
      },
    });
  },
};
