import { describe, expect, it } from '@jest/globals';
import { HealthRegistry } from './health.ts';
import { createLifecycle, runService, type RunServiceOptions } from './lifecycle.ts';
import { captureLogs } from '../test/support.ts';

describe('createLifecycle', () => {
  it('goes NOT_SERVING first, then stops in reverse order of start, logging each step', async () => {
    const { logger, lines } = captureLogs();
    const health = new HealthRegistry('SERVING');
    const lifecycle = createLifecycle({ logger, health });
    const events: string[] = [];
    for (const name of ['pool', 'relay', 'consumer', 'server']) {
      lifecycle.onStop(name, async () => {
        events.push(`${name} (health ${health.status()})`);
      });
    }
    expect(await lifecycle.shutdown('test')).toBe(true);
    expect(events).toEqual(['server (health NOT_SERVING)', 'consumer (health NOT_SERVING)', 'relay (health NOT_SERVING)', 'pool (health NOT_SERVING)']);
    expect(lifecycle.stopping.aborted).toBe(true);
    expect(lines.filter((l) => l.msg === 'stopped').map((l) => l.step)).toEqual(['server', 'consumer', 'relay', 'pool']);
  });

  it('bounds each step by its timeout, reports failure, and still stops the rest', async () => {
    const { logger, lines } = captureLogs();
    const lifecycle = createLifecycle({ logger, stepTimeoutMs: 5_000 });
    const stopped: string[] = [];
    lifecycle.onStop('pool', () => void stopped.push('pool'));
    lifecycle.onStop('broken', () => {
      throw new Error('refused to stop');
    });
    lifecycle.onStop('stuck', () => new Promise(() => {}), { timeoutMs: 30 });
    expect(await lifecycle.shutdown('test')).toBe(false);
    expect(stopped).toEqual(['pool']);
    const failures = lines.filter((l) => l.msg === 'stop failed');
    expect(failures.map((l) => [l.step, (l.err as { message: string }).message])).toEqual([
      ['stuck', 'did not finish within 30 ms'],
      ['broken', 'refused to stop'],
    ]);
  });

  it('runs the shutdown once however often it is asked', async () => {
    const { logger } = captureLogs();
    const lifecycle = createLifecycle({ logger });
    let stops = 0;
    lifecycle.onStop('x', () => void stops++);
    const [a, b] = await Promise.all([lifecycle.shutdown('one'), lifecycle.shutdown('two')]);
    expect([a, b, stops]).toEqual([true, true, 1]);
  });
});

/** runService without process handlers, its exit codes recorded instead of exiting. */
async function runTestService(start: RunServiceOptions['start']) {
  const { logger, lines } = captureLogs();
  const exits: number[] = [];
  const service = await runService({ name: 'test', logger, handleProcessEvents: false, exit: (code) => void exits.push(code), start });
  return { service, exits, lines };
}

describe('runService', () => {
  it('exits 0 after a clean stop', async () => {
    const stopped: string[] = [];
    const { service, exits } = await runTestService((lifecycle) => {
      lifecycle.onStop('a', () => void stopped.push('a'));
      lifecycle.onStop('b', () => void stopped.push('b'));
    });
    expect(exits).toEqual([]);
    expect(await service.shutdown('SIGTERM')).toBe(0);
    expect(stopped).toEqual(['b', 'a']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 after a failed stop', async () => {
    const { service, exits } = await runTestService((lifecycle) =>
      lifecycle.onStop('a', () => {
        throw new Error('nope');
      }),
    );
    expect(await service.shutdown('SIGTERM')).toBe(1);
    expect(exits).toEqual([1]);
  });

  it('on a failed start logs it, stops what did start, and exits 1', async () => {
    const stopped: string[] = [];
    const { exits, lines } = await runTestService(async (lifecycle) => {
      lifecycle.onStop('pool', () => void stopped.push('pool'));
      throw new Error('kafka unreachable');
    });
    expect(stopped).toEqual(['pool']);
    expect(exits).toEqual([1]);
    expect(lines.find((l) => l.msg === 'start failed')).toMatchObject({ level: 'fatal', err: { message: 'kafka unreachable' } });
  });
});
