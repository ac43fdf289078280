import { checkHealth, services } from '@omtobe/dev-stack';
import type { Identity } from './infra/identity.ts';
import type { RestartablePostgres } from './infra/postgres.ts';
import { startSingleStack, type ChaosStack } from './infra/single-stack.ts';
import { pollUntil } from './measure.ts';
import type { ChaosContext } from './scenarios/scenario.ts';

export interface ContextOptions {
  root: string;
  runDir: string;
  logDir: string;
  quick: boolean;
  postgres: RestartablePostgres;
  identity: Identity;
  say: (line: string) => void;
}

/**
 * The scenarios' shared stack: started on first use, and replaced when a scenario left it unhealthy
 * (a service that did not come back), so one failure does not fail every scenario after it.
 */
export function createContext(options: ContextOptions): ChaosContext {
  let current: ChaosStack | undefined;
  let generation = 0;
  const allServing = async (stack: ChaosStack) => (await Promise.all(services.map((s) => checkHealth(stack.ports[s.name])))).every((h) => h === 'SERVING');
  const stopStack = async () => {
    const stack = current;
    current = undefined;
    await stack?.stop();
  };
  return {
    ...options,
    stopStack,
    async stack() {
      if (current && (await pollUntil(() => allServing(current!), 20_000, 250)) !== undefined) return current;
      if (current) {
        options.say('the stack is not healthy: starting a fresh one');
        await stopStack();
      }
      generation += 1;
      // A fresh database per stack: what a broken stack left behind cannot confuse the next one.
      current = await startSingleStack({ root: options.root, logDir: options.logDir, postgres: options.postgres, identity: options.identity, database: `omtobe_${generation}`, log: options.say });
      return current;
    },
  };
}
