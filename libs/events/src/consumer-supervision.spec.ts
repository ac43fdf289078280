import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import pino from 'pino';
import { eventually } from '@omtobe/testing';
import { ConsumerSupervision } from './consumer-supervision.ts';

/** Just the part of a kafkajs consumer that supervision uses: its events and disconnect. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  let disconnects = 0;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on(event: string, listener: (e: unknown) => void) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    async disconnect() {
      disconnects += 1;
    },
  };
  return {
    consumer: consumer as unknown as Consumer,
    join: () => emitter.emit('consumer.group_join', { payload: {} }),
    crash: (restart: boolean) => emitter.emit('consumer.crash', { payload: { error: new Error('The group id was not found'), restart } }),
    disconnects: () => disconnects,
  };
}

function supervised(options: { failRun?: (n: number) => boolean } = {}) {
  const made: Array<ReturnType<typeof fakeConsumer>> = [];
  const launchedAt: number[] = [];
  const supervision = new ConsumerSupervision({
    create: () => {
      const fake = fakeConsumer();
      made.push(fake);
      launchedAt.push(performance.now());
      return fake.consumer;
    },
    run: async () => {
      if (options.failRun?.(made.length)) throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
    },
    logger: pino({ level: 'silent' }),
    restartDelayMs: 40,
    maxRestartDelayMs: 1_000,
  });
  return { supervision, made, launchedAt };
}

describe('consumer supervision', () => {
  it('replaces a consumer that kafkajs will not restart, waiting longer after each crash in a row', async () => {
    const { supervision, made, launchedAt } = supervised();
    supervision.start();
    try {
      await eventually(() => made.length, (n) => n === 1);
      expect(supervision.downSince()).toBeDefined(); // joining
      made[0]!.join();
      expect(supervision.downSince()).toBeUndefined();

      made[0]!.crash(false);
      expect(supervision.downSince()).toBeDefined();
      await eventually(() => made.length, (n) => n === 2);
      expect(made[0]!.disconnects()).toBe(1);
      made[1]!.crash(false); // never joined: a second crash in a row
      await eventually(() => made.length, (n) => n === 3);
      expect(launchedAt[1]! - launchedAt[0]!).toBeGreaterThanOrEqual(35);
      expect(launchedAt[2]! - launchedAt[1]!).toBeGreaterThanOrEqual(75); // doubled

      made[2]!.join();
      expect(supervision.downSince()).toBeUndefined();
    } finally {
      await supervision.stop();
    }
  });

  it('leaves a retriable crash to kafkajs, which restarts the same consumer', async () => {
    const { supervision, made } = supervised();
    supervision.start();
    try {
      await eventually(() => made.length, (n) => n === 1);
      made[0]!.join();
      made[0]!.crash(true);
      expect(supervision.downSince()).toBeDefined();
      const rejoined = supervision.nextJoin();
      made[0]!.join();
      await rejoined;
      expect(supervision.downSince()).toBeUndefined();
      expect(made).toHaveLength(1);
    } finally {
      await supervision.stop();
    }
  });

  it('tries again when connecting fails, and starts nothing after stop', async () => {
    const { supervision, made } = supervised({ failRun: (n) => n <= 2 });
    supervision.start();
    await eventually(() => made.length, (n) => n === 3);
    made[2]!.crash(false);
    await supervision.stop();
    const afterStop = made.length;
    // Longer than the pending restart's delay (40 ms × 2²): it must not have fired.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(made.length).toBe(afterStop);
    expect(made[2]!.disconnects()).toBe(1);
  });
});
