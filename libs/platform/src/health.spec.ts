import { describe, expect, it } from '@jest/globals';
import { HealthRegistry, livenessService, type ServingStatus } from './health.ts';

describe('HealthRegistry', () => {
  it('starts NOT_SERVING and knows only the overall status', () => {
    const health = new HealthRegistry();
    expect(health.status()).toBe('NOT_SERVING');
    expect(health.status('omtobe.x.v1.X')).toBeUndefined();
  });

  it('notifies listeners of real changes only', () => {
    const health = new HealthRegistry();
    const changes: [string, ServingStatus][] = [];
    const unsubscribe = health.onChange((service, status) => changes.push([service, status]));
    health.setStatus('SERVING');
    health.setStatus('SERVING');
    health.setStatus('NOT_SERVING', 'db');
    unsubscribe();
    health.setStatus('SERVING', 'db');
    expect(changes).toEqual([
      ['', 'SERVING'],
      ['db', 'NOT_SERVING'],
    ]);
    expect(health.all()).toEqual(new Map([['', 'SERVING'], ['liveness', 'SERVING'], ['db', 'SERVING']]));
  });

  it('is ready only once started and while every dependency is up; liveness does not follow them', () => {
    const health = new HealthRegistry();
    health.reportDependency('database', false);
    health.setStatus('SERVING');
    expect(health.status()).toBe('NOT_SERVING');
    health.reportDependency('database', true);
    expect(health.status()).toBe('SERVING');
    health.reportDependency('kafka consumer', false);
    health.reportDependency('database', false);
    expect(health.status()).toBe('NOT_SERVING');
    expect(health.dependenciesDown().sort()).toEqual(['database', 'kafka consumer']);
    expect(health.status(livenessService)).toBe('SERVING');
    health.reportDependency('database', true);
    expect(health.status()).toBe('NOT_SERVING');
    health.reportDependency('kafka consumer', true);
    expect(health.status()).toBe('SERVING');
  });

  it('after enterShutdown is NOT_SERVING everywhere, for good', () => {
    const health = new HealthRegistry('SERVING');
    health.setStatus('SERVING', 'db');
    health.enterShutdown();
    health.setStatus('SERVING');
    health.setStatus('SERVING', 'db');
    health.reportDependency('database', true);
    expect(health.all()).toEqual(new Map([['', 'NOT_SERVING'], ['liveness', 'NOT_SERVING'], ['db', 'NOT_SERVING']]));
    expect(health.isShuttingDown).toBe(true);
  });
});
