import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@omtobe/platform';
import { checkConfig, hrvRetentionDays, rulesFrom } from './config.ts';
import { defaultRules } from './domain/index.ts';

const required = { DATABASE_URL: 'postgres://localhost/omtobe', KAFKA_BROKERS: 'localhost:9092' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    checkConfig({ ...required, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('state engine configuration', () => {
  it("defaults to the seed's rules", () => {
    const config = checkConfig(required);
    expect(rulesFrom(config)).toEqual(defaultRules);
    expect(hrvRetentionDays(config)).toBe(8);
  });

  // Each of these passes its variable's own bounds and still switches the brake off, or weakens it, silently.
  it.each([
    [{ HRV_DROP_RATIO: '1' }, 'HRV_DROP_RATIO: must be between 0 and 1 (exclusive): 1 or more is no drop'],
    [{ BASELINE_MIN_DAYS: '8' }, 'BASELINE_MIN_DAYS: cannot exceed BASELINE_WINDOW_DAYS (7): no baseline could ever form'],
    [{ BASELINE_WINDOW_DAYS: '3', BASELINE_MIN_DAYS: '4' }, 'BASELINE_MIN_DAYS: cannot exceed BASELINE_WINDOW_DAYS (3): no baseline could ever form'],
    [{ BASELINE_WINDOW_DAYS: '14', HRV_RETENTION_DAYS: '8' }, 'HRV_RETENTION_DAYS: cannot be shorter than BASELINE_WINDOW_DAYS (14): baselines would lose their oldest samples'],
  ])('refuses %j, naming the variable', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('reports variables that are wrong on their own by name as well', () => {
    expect(problemsOf({ CLOCK_SKEW_TOLERANCE_SECONDS: '-1', REFLECTION_HOUR: '24' })).toEqual([
      expect.stringMatching(/^REFLECTION_HOUR: /),
      expect.stringMatching(/^CLOCK_SKEW_TOLERANCE_SECONDS: /),
    ]);
  });

  it('keeps HRV samples one day longer than the configured baseline window unless told otherwise', () => {
    expect(hrvRetentionDays(checkConfig({ ...required, BASELINE_WINDOW_DAYS: '14' }))).toBe(15);
    expect(hrvRetentionDays(checkConfig({ ...required, BASELINE_WINDOW_DAYS: '14', HRV_RETENTION_DAYS: '14' }))).toBe(14);
  });

  it('reads the clock-skew tolerance', () => {
    expect(rulesFrom(checkConfig({ ...required, CLOCK_SKEW_TOLERANCE_SECONDS: '5' })).clockSkewToleranceSeconds).toBe(5);
  });
});
