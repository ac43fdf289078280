import { describe, expect, it } from '@jest/globals';
import { baseConfigSchema, ConfigError, envBool, envInt, loadConfig } from './config.ts';
import { isLoopbackHost } from './development-mode.ts';

const valid = { SERVICE_NAME: 'integrations', DATABASE_URL: 'postgres://u:p@localhost:5432/db', KAFKA_BROKERS: 'localhost:9092' };
// A service with development-only variables, as integrations declares them.
const schema = baseConfigSchema.extend({
  MOCK_PROVIDERS: envBool().optional(),
  MOCK_HRV_INTERVAL_MINUTES: envInt({ min: 1 }).default(5),
});

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('where a service listens', () => {
  it('is loopback in development and every interface in production unless HOST says otherwise', () => {
    expect(loadConfig(schema, valid).HOST).toBe('127.0.0.1');
    expect(loadConfig(schema, { ...valid, OMTOBE_MODE: 'production' }).HOST).toBe('0.0.0.0');
    expect(loadConfig(schema, { ...valid, NODE_ENV: 'production' }).HOST).toBe('0.0.0.0');
    expect(loadConfig(schema, { ...valid, OMTOBE_MODE: 'production', HOST: '10.0.0.7' }).HOST).toBe('10.0.0.7');
    expect(loadConfig(schema, { ...valid, HOST: '::1' }).HOST).toBe('::1');
  });

  it('refuses a development-mode service told to listen beyond loopback, naming HOST', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.20']) {
      expect(problemsOf({ ...valid, HOST })).toEqual([expect.stringMatching(/^HOST: development mode listens on loopback only .*UNSAFE_DEVELOPMENT_ON_NETWORK=true/)]);
    }
  });

  it('lets development mode listen beyond loopback only with UNSAFE_DEVELOPMENT_ON_NETWORK (compose’s private network)', () => {
    expect(loadConfig(schema, { ...valid, HOST: '0.0.0.0', UNSAFE_DEVELOPMENT_ON_NETWORK: 'true' }).HOST).toBe('0.0.0.0');
    expect(problemsOf({ ...valid, HOST: '0.0.0.0', UNSAFE_DEVELOPMENT_ON_NETWORK: 'false' })).toEqual([expect.stringMatching(/^HOST: /)]);
  });

  it('takes IP addresses and localhost only', () => {
    expect(problemsOf({ ...valid, HOST: 'example.com' })).toEqual([expect.stringMatching(/^HOST: must be an IP address/)]);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect([host, isLoopbackHost(host)]).toEqual([host, true]);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'example.com']) expect([host, isLoopbackHost(host)]).toEqual([host, false]);
  });
});

describe('production refuses development settings', () => {
  const production = { ...valid, OMTOBE_MODE: 'production' };

  it('names every development-only variable the service declares, whatever its value', () => {
    expect(problemsOf({ ...production, MOCK_PROVIDERS: 'true', MOCK_HRV_INTERVAL_MINUTES: '1' })).toEqual([
      'MOCK_HRV_INTERVAL_MINUTES: is a development setting; production refuses it (unset it)',
      'MOCK_PROVIDERS: is a development setting; production refuses it (unset it)',
    ]);
    expect(problemsOf({ ...production, MOCK_PROVIDERS: 'false' })).toEqual(['MOCK_PROVIDERS: is a development setting; production refuses it (unset it)']);
  });

  it('refuses the network override', () => {
    expect(problemsOf({ ...production, UNSAFE_DEVELOPMENT_ON_NETWORK: 'true' })).toEqual([
      'UNSAFE_DEVELOPMENT_ON_NETWORK: is a development setting; production refuses it (unset it)',
    ]);
    expect(problemsOf({ ...production, UNSAFE_DEVELOPMENT_ON_NETWORK: 'false' })).toEqual([]);
  });

  it('leaves development-looking names the service does not read alone (Kubernetes service links, say)', () => {
    expect(problemsOf({ ...production, DEV_BROKER_PORT: 'tcp://10.0.0.1:9092' })).toEqual([]);
  });

  it('names a variable once when the service’s own schema already refuses it', () => {
    const own = schema.superRefine((c, ctx) => {
      if (c.OMTOBE_MODE === 'production' && c.MOCK_PROVIDERS) ctx.addIssue({ code: 'custom', path: ['MOCK_PROVIDERS'], message: 'mock providers are refused in production' });
    });
    let problems: readonly string[] = [];
    try {
      loadConfig(own, { ...production, MOCK_PROVIDERS: 'true' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(['MOCK_PROVIDERS: mock providers are refused in production']);
  });

  it('allows everything in development', () => {
    expect(loadConfig(schema, { ...valid, MOCK_PROVIDERS: 'true' }).MOCK_PROVIDERS).toBe(true);
  });
});

