import { describe, expect, it } from '@jest/globals';
import { loadConfig as parse } from '@omtobe/platform';
import { configSchema } from './config.ts';

const production = {
  OMTOBE_MODE: 'production',
  DATABASE_URL: 'postgres://u:p@db/omtobe',
  KAFKA_BROKERS: 'kafka:9092',
  SERVICE_PRIVATE_KEY_FILE: '/etc/omtobe/service-key/key.pem',
};

describe('gateway config', () => {
  it('wants the JWKS over https in production, and takes http in development', () => {
    expect(() => parse(configSchema, { ...production, JWKS_URL: 'http://idp.example/jwks.json' })).toThrow(/JWKS_URL.*https/);
    expect(parse(configSchema, { ...production, JWKS_URL: 'https://idp.example/jwks.json' }).JWKS_URL).toBe('https://idp.example/jwks.json');
    expect(parse(configSchema, { ...production, OMTOBE_MODE: 'development', JWKS_URL: 'http://127.0.0.1:9/jwks.json' }).JWKS_URL).toBe('http://127.0.0.1:9/jwks.json');
  });

  it('accepts only asymmetric signature algorithms it knows, ES256 and RS256 by default', () => {
    const base = { ...production, JWKS_URL: 'https://idp.example/jwks.json' };
    expect(parse(configSchema, base).JWT_ALGORITHMS).toEqual(['ES256', 'RS256']);
    expect(parse(configSchema, { ...base, JWT_ALGORITHMS: 'EdDSA,PS256' }).JWT_ALGORITHMS).toEqual(['EdDSA', 'PS256']);
    expect(() => parse(configSchema, { ...base, JWT_ALGORITHMS: 'HS256' })).toThrow(/JWT_ALGORITHMS/);
    expect(() => parse(configSchema, { ...base, JWT_ALGORITHMS: 'none' })).toThrow(/JWT_ALGORITHMS/);
  });

  it('refuses production without the key it signs its calls to the other services with', () => {
    const { SERVICE_PRIVATE_KEY_FILE: _file, ...withoutKey } = { ...production, JWKS_URL: 'https://idp.example/jwks.json' };
    expect(() => parse(configSchema, withoutKey)).toThrow(/SERVICE_PRIVATE_KEY: is required in production/);
  });
});
