import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./floor-server.ts', import.meta.url));

export interface RunningFloor {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts the floor server in its own process; resolves once it listens. */
export async function startFloor(config: { databaseUrl: string; jwksUrl: string; issuer: string; audience: string; poolMax: number; queries: 1 | 3 }): Promise<RunningFloor> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('LISTENING ')) resolve(Number(line.slice('LISTENING '.length)));
    });
    void exited.then(([code]) => reject(new Error(`the floor server exited with code ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
