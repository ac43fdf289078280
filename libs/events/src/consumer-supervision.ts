import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface ConsumerSupervisionOptions {
  /** A new kafkajs consumer, not yet connected: a crashed one is never reused. */
  create: () => Consumer;
  /** Connects, subscribes and runs it (kafkajs `run` returns once the first join succeeded or crashed). */
  run: (consumer: Consumer) => Promise<void>;
  logger: Logger;
  /**
   * First wait before a restart; doubles on each crash in a row, up to `maxRestartDelayMs` (default 5 s: a
   * longer wait would hold the backlog back that long after the broker is back).
   */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

/**
 * Keeps one kafkajs consumer running for as long as the service runs. kafkajs restarts a consumer by itself
 * only after a *retriable* crash; after any other (a broker restart that forgot the group — "The group id was
 * not found" —, a failed SyncGroup while a broker comes back, a connect that found no broker) it stays stopped
 * for good and the service would consume nothing while looking healthy. Here every crash that kafkajs does
 * not restart, and every failed start, leads to a fresh consumer after a backoff; the group resumes from its
 * committed offsets, so nothing acknowledged is lost and, with the inbox, nothing is applied twice.
 *
 * `downSince()` says since when the consumer has not been a member of its group (crashed, restarting or
 * still joining), for readiness.
 */
export class ConsumerSupervision {
  private readonly options: ConsumerSupervisionOptions;
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private crashesInARow = 0;
  private memberSince: number | undefined;
  private outOfGroupSince = Date.now();
  private readonly joinWaiters: Array<() => void> = [];

  constructor(options: ConsumerSupervisionOptions) {
    this.options = options;
  }

  /** Starts the first consumer in the background: the service serves while it joins. */
  start(): void {
    this.stopped = false;
    this.outOfGroupSince = Date.now();
    void this.launch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
    for (const resolve of this.joinWaiters.splice(0)) resolve();
  }

  /** When the consumer stopped being a member of its group; undefined while it is one. */
  downSince(): number | undefined {
    return this.memberSince === undefined ? this.outOfGroupSince : undefined;
  }

  /** Resolves at the next successful join (or settle with no partitions for this member), or on stop. */
  nextJoin(): Promise<void> {
    return new Promise((resolve) => this.joinWaiters.push(resolve));
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    const consumer = this.options.create();
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined(consumer));
    consumer.on(consumer.events.CRASH, ({ payload }) => this.crashed(consumer, payload.error, payload.restart));
    try {
      await this.options.run(consumer);
    } catch (error) {
      // connect or subscribe failed (no broker answered): kafkajs emits no CRASH for those.
      this.crashed(consumer, error, false);
    }
  }

  private joined(consumer: Consumer): void {
    if (consumer !== this.consumer) return;
    if (this.crashesInARow > 0) this.options.logger.info({ crashes: this.crashesInARow }, 'kafka consumer rejoined its group');
    this.crashesInARow = 0;
    this.memberSince = Date.now();
    for (const resolve of this.joinWaiters.splice(0)) resolve();
  }

  private crashed(consumer: Consumer, error: unknown, kafkajsRestarts: boolean): void {
    if (consumer !== this.consumer || this.stopped) return;
    if (this.memberSince !== undefined) this.outOfGroupSince = Date.now();
    this.memberSince = undefined;
    this.crashesInARow += 1;
    if (kafkajsRestarts) {
      this.options.logger.warn({ err: error, crashes: this.crashesInARow }, 'kafka consumer crashed; kafkajs restarts it');
      return;
    }
    const base = this.options.restartDelayMs ?? 1_000;
    const delay = Math.min(this.options.maxRestartDelayMs ?? 5_000, base * 2 ** (this.crashesInARow - 1));
    this.options.logger.error({ err: error, crashes: this.crashesInARow, restart_in_ms: delay }, 'kafka consumer stopped; starting a new one');
    this.timer = setTimeout(() => {
      void consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => this.launch());
    }, delay);
  }
}
