import { describe, expect, it } from '@jest/globals';
import { cachedHealthReport, type HealthReport } from './health.ts';

const report = (n: number): HealthReport => ({ status: 'ok', timestamp: String(n), services: {} });

describe('cachedHealthReport', () => {
  it('fans out to the services at most once a second, whatever the request rate', async () => {
    let now = 0;
    let fanOuts = 0;
    const current = cachedHealthReport(async () => report(++fanOuts), { ttlMs: 1_000, now: () => now });
    // 1,000 requests over 2.5 s, some arriving while a report is being gathered.
    const answers: HealthReport[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      answers.push(await current());
      now += 2.5;
    }
    expect(fanOuts).toBe(3);
    expect(answers[0]).toEqual(report(1));
    expect(answers[399]!.timestamp).toBe('1');
    expect(answers[400]!.timestamp).toBe('2');
  });

  it('shares one gathering among requests that arrive while it runs', async () => {
    let fanOuts = 0;
    let finish: (r: HealthReport) => void = () => {};
    const current = cachedHealthReport(() => new Promise<HealthReport>((resolve) => ((fanOuts += 1), (finish = resolve))), { ttlMs: 1_000, now: () => 0 });
    const waiting = Promise.all([current(), current(), current()]);
    finish(report(1));
    expect(await waiting).toEqual([report(1), report(1), report(1)]);
    expect(fanOuts).toBe(1);
  });

  it('asks again after a gathering that failed', async () => {
    let fanOuts = 0;
    const current = cachedHealthReport(async () => (++fanOuts === 1 ? Promise.reject(new Error('boom')) : report(fanOuts)), { ttlMs: 1_000, now: () => 0 });
    await expect(current()).rejects.toThrow('boom');
    expect(await current()).toEqual(report(2));
  });
});
