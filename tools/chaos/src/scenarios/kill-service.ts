import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { servingAt } from '../measure.ts';
import type { Scenario } from './scenario.ts';
import { runUnderLoad, type Fault } from './under-load.ts';

type ServiceName = 'gateway' | 'state-engine' | 'decision-log' | 'integrations';

/** How soon a restarted service must report SERVING after its process started. */
const servingMaxMs = 3_000;

/**
 * SIGKILL one service mid-load; the process group starts it again (as Kubernetes would). Measured: from
 * its new process's start to SERVING, and how soon every kind of call succeeds again. Meanwhile the app
 * may see only 503s (and, when the gateway itself is the one killed, refused connections).
 */
export function killService(service: ServiceName, core: boolean): Scenario {
  return {
    name: `kill-${service}`,
    core,
    async run(ctx) {
      const stack = await ctx.stack();
      return runUnderLoad({
        label: `kill-${service}`,
        gatewayUrl: stack.gatewayUrl,
        pool: stack.pool,
        token: ctx.identity.token,
        users: 20,
        warmupMs: 4_000,
        callsRecoveredMaxMs: 10_000,
        logCompleteMaxMs: 15_000,
        say: ctx.say,
        logDir: ctx.logDir,
        async inject(): Promise<Fault> {
          const restarted = new Promise<{ at: number; child: ChildProcess }>((resolve) => {
            stack.group.onRestart = (name, child) => {
              if (name === service) resolve({ at: Date.now(), child });
            };
          });
          const victim = stack.group.child(service)!;
          const exited = once(victim, 'exit');
          const start = Date.now();
          victim.kill('SIGKILL');
          await exited;
          const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref());
          const started = await Promise.race([restarted, timeout]);
          stack.group.onRestart = () => undefined;
          if (!started) return { start, end: Date.now(), figures: [], failures: [`${service} was not restarted within 30 s`] };
          const serving = await servingAt(stack.ports[service], 30_000);
          const end = serving ?? Date.now();
          ctx.say(`${service} killed; restarted after ${started.at - start} ms, SERVING ${serving ? serving - started.at : '—'} ms after its start`);
          return {
            start,
            end,
            figures: [
              { label: 'kill → new process started (restart delay)', value: started.at - start, unit: 'ms' },
              { label: 'new process start → SERVING', value: serving === undefined ? undefined : serving - started.at, unit: 'ms', targetMax: servingMaxMs },
            ],
            failures: [],
            ...(service === 'gateway' ? { noAnswerAllowed: { from: start, to: end + 1_000 } } : {}),
          };
        },
      });
    },
  };
}
