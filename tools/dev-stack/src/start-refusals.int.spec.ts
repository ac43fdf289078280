import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateServiceKeys } from './service-keys.ts';
import { services } from './services.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// integrations' public development key (services/integrations/src/config.ts developmentTokenKeys).
const developmentKey = createHash('sha256').update('omtobe development token key: not a secret').digest('base64');

// The services' own main.ts, started as a deployment would: the configuration is refused before anything
// connects, so no database or broker is needed (the addresses below lead nowhere).
describe('a service refusing at start: a development door, or a production secret missing', () => {
  const start = (name: string, env: Record<string, string>) => {
    const run = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(root, 'services', name, 'src', 'main.ts')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', KAFKA_BROKERS: '127.0.0.1:9', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const fatal = run.stderr.split('\n').find((line) => line.includes('"invalid configuration"'));
    return { status: run.status, problems: fatal ? (JSON.parse(fatal) as { problems: string[] }).problems : [] };
  };

  it.each(services.map((s) => s.name))('%s in development mode exits 1 when told to listen on 0.0.0.0, naming HOST', (name) => {
    const { status, problems } = start(name, { OMTOBE_MODE: 'development', HOST: '0.0.0.0' });
    expect(status).toBe(1);
    expect(problems).toEqual([expect.stringMatching(/^HOST: development mode listens on loopback only/)]);
  });

  it('integrations in production exits 1 naming every development setting it was given, the public development key too', () => {
    const { status, problems } = start('integrations', {
      OMTOBE_MODE: 'production',
      TOKEN_ENCRYPTION_KEYS: `k1:${developmentKey}`,
      PUSH_PLATFORMS: 'ios',
      APNS_KEY_FILE: '/nonexistent.p8',
      APNS_KEY_ID: 'k',
      APNS_TEAM_ID: 't',
      APNS_TOPIC: 'app',
      MOCK_HRV_INTERVAL_MINUTES: '1',
      UNSAFE_DEVELOPMENT_ON_NETWORK: 'true',
    });
    expect(status).toBe(1);
    expect(problems).toEqual(
      expect.arrayContaining([
        'TOKEN_ENCRYPTION_KEYS: holds the public development key; production needs a secret one',
        'MOCK_HRV_INTERVAL_MINUTES: is a development setting; production refuses it (unset it)',
        'UNSAFE_DEVELOPMENT_ON_NETWORK: is a development setting; production refuses it (unset it)',
      ]),
    );
  });

  // Everything production needs but the variable under test (fresh service keys; push to iOS only, its key file is
  // read after the configuration is accepted): the refusal names that one variable and nothing else.
  const keys = generateServiceKeys(services.map((s) => s.name));
  const production = (name: string) => ({ OMTOBE_MODE: 'production', ...(keys(name) as Record<string, string>) });

  it('gateway in production without JWKS_URL exits 1, naming JWKS_URL alone', () => {
    const { status, problems } = start('gateway', production('gateway'));
    expect(status).toBe(1);
    expect(problems).toEqual(['JWKS_URL: is required in production (the identity provider’s JWKS)']);
  });

  it('gateway in production with a JWKS_URL over plain http exits 1 (keys fetched in clear could be swapped)', () => {
    const { status, problems } = start('gateway', { ...production('gateway'), JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    expect(status).toBe(1);
    expect(problems).toEqual(['JWKS_URL: must be an https URL in production']);
  });

  it('integrations in production without TOKEN_ENCRYPTION_KEYS exits 1, naming TOKEN_ENCRYPTION_KEYS alone', () => {
    const { status, problems } = start('integrations', {
      ...production('integrations'),
      PUSH_PLATFORMS: 'ios',
      APNS_KEY_FILE: '/nonexistent.p8',
      APNS_KEY_ID: 'k',
      APNS_TEAM_ID: 't',
      APNS_TOPIC: 'app',
    });
    expect(status).toBe(1);
    expect(problems).toEqual(['TOKEN_ENCRYPTION_KEYS: is required in production']);
  });
});
