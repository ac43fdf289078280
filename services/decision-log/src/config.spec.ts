import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@omtobe/platform';
import { configSchema } from './config.ts';

const required = { DATABASE_URL: 'postgres://u:p@localhost:5432/omtobe', KAFKA_BROKERS: 'localhost:9092' };

describe('decision-log config', () => {
  it('keeps rows forever unless a retention is set, and purges hourly when it is', () => {
    const config = loadConfig(configSchema, required);
    expect(config.DECISION_LOG_RETENTION_DAYS).toBeUndefined();
    expect(config.DECISION_LOG_RETENTION_INTERVAL_MS).toBe(3_600_000);
    expect(loadConfig(configSchema, { ...required, DECISION_LOG_RETENTION_DAYS: '' }).DECISION_LOG_RETENTION_DAYS).toBeUndefined();
    expect(loadConfig(configSchema, { ...required, DECISION_LOG_RETENTION_DAYS: '365' }).DECISION_LOG_RETENTION_DAYS).toBe(365);
  });

  it('refuses a retention of zero days or a fraction', () => {
    expect(() => loadConfig(configSchema, { ...required, DECISION_LOG_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { ...required, DECISION_LOG_RETENTION_DAYS: '1.5' })).toThrow(/DECISION_LOG_RETENTION_DAYS/);
    expect(() => loadConfig(configSchema, { ...required, DECISION_LOG_RETENTION_INTERVAL_MS: '10' })).toThrow(/DECISION_LOG_RETENTION_INTERVAL_MS/);
  });
});
