import { randomUUID } from 'node:crypto';
import { AppUser, type AckedDecision, type AckedSample } from './app-user.ts';
import { CallLog } from './calls.ts';
import { GatewayClient } from './gateway-client.ts';

/** N simulated apps against one gateway URL, with one log of every call they make. */
export class LoadDriver {
  readonly log = new CallLog();
  readonly client: GatewayClient;
  readonly users: AppUser[];
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(gatewayUrl: string, userIds: readonly string[], token: (userId: string) => string) {
    this.client = new GatewayClient(gatewayUrl, this.log);
    this.users = userIds.map((id) => new AppUser(this.client, id, token(id)));
  }

  /** Every user registered with the brake showing. */
  async setUp(timeoutMs = 60_000): Promise<void> {
    await Promise.all(this.users.map((u) => u.setUp(timeoutMs)));
  }

  start(): void {
    this.running = Promise.all(this.users.map((u) => u.run(this.stopping.signal))).then(() => undefined);
  }

  /** Stops the loops; each finishes the logical request it is retrying first. Idempotent. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  decisions(): AckedDecision[] {
    return this.users.flatMap((u) => u.decisions);
  }

  samples(): AckedSample[] {
    return this.users.flatMap((u) => u.samples);
  }

  abandoned(): { decisions: number; samples: number } {
    return this.users.reduce((sum, u) => ({ decisions: sum.decisions + u.abandoned.decisions, samples: sum.samples + u.abandoned.samples }), { decisions: 0, samples: 0 });
  }

  refused(): string[] {
    return this.users.flatMap((u) => u.refused.map((r) => `${u.id} ${r}`));
  }
}

/** `count` fresh user ids for one scenario: `chaos-<label>-<run>-<i>`. */
export function userIds(label: string, count: number): string[] {
  const run = randomUUID().slice(0, 6);
  return Array.from({ length: count }, (_, i) => `chaos-${label}-${run}-${i}`);
}
