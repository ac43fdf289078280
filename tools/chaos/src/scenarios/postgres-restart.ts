import { setTimeout as delay } from 'node:timers/promises';
import { checkHealth, services } from '@omtobe/dev-stack';
import { pollUntil } from '../measure.ts';
import type { Scenario } from './scenario.ts';
import { runUnderLoad, type Fault } from './under-load.ts';

const outageMs = 8_000;
const servingMaxMs = 3_000;

/**
 * PostgreSQL stopped for 8 s under load, then started again on the same directory and port. No service
 * may exit over it (they wait for their database; readiness drops meanwhile), the app sees only 503s, and
 * every service reports SERVING within 3 s of the database being back.
 */
export const postgresRestart: Scenario = {
  name: 'postgres-restart',
  core: true,
  async run(ctx) {
    const stack = await ctx.stack();
    const restartsBefore = services.map((s) => stack.group.restarts(s.name));
    const result = await runUnderLoad({
      label: 'pg-restart',
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
        const start = Date.now();
        await ctx.postgres.stop();
        const stopped = Date.now();
        // Which services took themselves out of rotation while the database was gone.
        const notServing = new Set<string>();
        while (Date.now() - start < outageMs) {
          for (const s of services) if ((await checkHealth(stack.ports[s.name])) !== 'SERVING') notServing.add(s.name);
          await delay(250);
        }
        await ctx.postgres.start();
        const end = Date.now();
        const serving = await pollUntil(async () => (await Promise.all(services.map((s) => checkHealth(stack.ports[s.name])))).every((h) => h === 'SERVING'), 30_000);
        ctx.say(`PostgreSQL down ${end - start} ms (stop took ${stopped - start} ms); all SERVING ${serving ? serving - end : '—'} ms after it was back`);
        return {
          start,
          end,
          figures: [
            { label: 'PostgreSQL down (stop → accepting again)', value: end - start, unit: 'ms' },
            { label: 'back → every service SERVING', value: serving === undefined ? undefined : serving - end, unit: 'ms', targetMax: servingMaxMs },
            { label: 'readiness dropped meanwhile', value: [...notServing].join(', ') || 'none', unit: 'text' },
          ],
          failures: [],
        };
      },
    });
    const restarted = services.filter((s, i) => stack.group.restarts(s.name) !== restartsBefore[i]).map((s) => s.name);
    result.figures.unshift({ label: 'service processes that exited', value: restarted.length, unit: 'count' });
    if (restarted.length > 0) result.failures.unshift(`services exited and were restarted: ${restarted.join(', ')}`);
    return result;
  },
};
