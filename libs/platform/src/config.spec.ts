import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, baseConfigSchema, envBool, envInt, envList, envNumber, loadConfig } from './config.ts';

const valid = {
  SERVICE_NAME: 'state-engine',
  DATABASE_URL: 'postgres://omtobe:s3cret-pw@localhost:5432/omtobe',
  KAFKA_BROKERS: 'localhost:9092, kafka-2:9092',
};

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
const problemsOf = (run: () => unknown) => configErrorOf(run).problems;

describe('loadConfig', () => {
  it('parses the base variables with their defaults', () => {
    expect(loadConfig(baseConfigSchema, valid)).toEqual({
      OMTOBE_MODE: 'development',
      LOG_LEVEL: 'info',
      PORT: 8080,
      HOST: '127.0.0.1',
      UNSAFE_DEVELOPMENT_ON_NETWORK: false,
      SERVICE_NAME: 'state-engine',
      DATABASE_URL: valid.DATABASE_URL,
      KAFKA_BROKERS: ['localhost:9092', 'kafka-2:9092'],
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it('names every bad variable and why, without printing values', () => {
    const env = { ...valid, PORT: 'eighty', DATABASE_URL: 'mysql://root:hunter2@db/x', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'kafka' };
    const problems = problemsOf(() => loadConfig(baseConfigSchema, env));
    expect(problems).toEqual([
      expect.stringMatching(/^LOG_LEVEL: /),
      'PORT: must be an integer',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'KAFKA_BROKERS.0: each broker must be host:port',
    ]);
    const { message } = configErrorOf(() => loadConfig(baseConfigSchema, env));
    expect(message).toContain('PORT');
    for (const value of ['eighty', 'hunter2', 'mysql', 'loud']) expect(message).not.toContain(value);
  });

  it('says "is required" for a missing variable and treats empty ones as missing', () => {
    expect(problemsOf(() => loadConfig(baseConfigSchema, { ...valid, SERVICE_NAME: '' }))).toEqual(['SERVICE_NAME: is required']);
    expect(loadConfig(baseConfigSchema, { ...valid, OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig(baseConfigSchema, valid);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.KAFKA_BROKERS)).toBe(true);
    expect(() => (config.KAFKA_BROKERS as string[]).push('x')).toThrow(TypeError);
  });

  it('is production when NODE_ENV says so and OMTOBE_MODE is unset', () => {
    expect(loadConfig(baseConfigSchema, { ...valid, NODE_ENV: 'production' }).OMTOBE_MODE).toBe('production');
    expect(loadConfig(baseConfigSchema, { ...valid, NODE_ENV: 'production', OMTOBE_MODE: 'development' }).OMTOBE_MODE).toBe('development');
    expect(loadConfig(baseConfigSchema, { ...valid, NODE_ENV: 'test' }).OMTOBE_MODE).toBe('development');
  });

  it('lets services extend the base schema with typed variables', () => {
    const schema = baseConfigSchema.extend({
      SERVICE_NAME: z.string().default('state-engine'),
      COOLING_MINUTES: envInt({ min: 1 }).default(20),
      HRV_DROP_RATIO: envNumber({ min: 0, max: 1 }).default(0.8),
      MOCK_PROVIDERS: envBool().default(false),
      HIGH_STAKES_KEYWORDS: envList().default(['Board']),
    });
    const config = loadConfig(schema, { ...valid, SERVICE_NAME: undefined, MOCK_PROVIDERS: 'yes', HIGH_STAKES_KEYWORDS: 'Board, Review' });
    expect(config).toMatchObject({
      SERVICE_NAME: 'state-engine',
      COOLING_MINUTES: 20,
      HRV_DROP_RATIO: 0.8,
      MOCK_PROVIDERS: true,
      HIGH_STAKES_KEYWORDS: ['Board', 'Review'],
    });
    expect(problemsOf(() => loadConfig(schema, { ...valid, COOLING_MINUTES: '0', HRV_DROP_RATIO: '1.5' }))).toEqual([
      expect.stringMatching(/^COOLING_MINUTES: /),
      expect.stringMatching(/^HRV_DROP_RATIO: /),
    ]);
  });
});
