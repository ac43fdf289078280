import { describe, expect, it } from '@jest/globals';
import { loadConfig, type ConfigError } from '@omtobe/platform';
import { defaultClockSkewToleranceSeconds } from '@omtobe/rules';
import { configSchema, pushSendersFrom, settingsFrom, tokenKeysFrom } from './config.ts';

// The gateway's public keys (service tokens): production refuses to start without them.
const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db', KAFKA_BROKERS: 'localhost:9092', SERVICE_PUBLIC_KEYS_DIR: '/etc/omtobe/service-keys' };
const key = Buffer.alloc(32, 1).toString('base64');
/** Production needs push credentials for the platforms it serves (files are read at startup, not here). */
const push = {
  APNS_KEY_FILE: '/var/run/secrets/apns/AuthKey.p8',
  APNS_KEY_ID: 'ABC123DEFG',
  APNS_TEAM_ID: 'TEAM123456',
  APNS_TOPIC: 'com.omtobe.app',
  FCM_SERVICE_ACCOUNT_FILE: '/var/run/secrets/fcm/service-account.json',
};
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(configSchema, env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('integrations config', () => {
  it('runs in development with nothing but a database and a broker: mocks on, providers off, the development key', () => {
    const config = loadConfig(configSchema, base);
    const settings = settingsFrom(config);
    expect(settings.mock).toBeDefined();
    expect(settings.whoop).toBeUndefined();
    expect(settings.google).toBeUndefined();
    expect(tokenKeysFrom(config)).toMatch(/^dev:/);
    expect(settings.hrv).toEqual({ maxBatch: 500, minMs: 1, maxMs: 300, clockSkewToleranceMs: defaultClockSkewToleranceSeconds * 1000, retentionMs: 8 * 86_400_000 });
    expect(settings.highStakesKeywords).toEqual(['Board', 'Negotiation', 'Review', 'High-Stakes']);
  });

  it('in production requires the public keys of its callers', () => {
    const { SERVICE_PUBLIC_KEYS_DIR: _dir, ...withoutKeys } = { ...base, ...push, OMTOBE_MODE: 'production', TOKEN_ENCRYPTION_KEYS: `k1:${key}` };
    expect(problemsOf(withoutKeys)).toEqual([expect.stringMatching(/^SERVICE_PUBLIC_KEYS: is required in production/)]);
  });

  it('in production requires the token keys, refuses mocks and a plain-http push address', () => {
    expect(problemsOf({ ...base, ...push, OMTOBE_MODE: 'production' })).toEqual(['TOKEN_ENCRYPTION_KEYS: is required in production']);
    expect(problemsOf({ ...base, ...push, OMTOBE_MODE: 'production', TOKEN_ENCRYPTION_KEYS: `k1:${key}`, MOCK_PROVIDERS: 'true' })).toEqual([
      'MOCK_PROVIDERS: mock providers are refused in production',
    ]);
    expect(problemsOf({ ...base, ...push, NODE_ENV: 'production', TOKEN_ENCRYPTION_KEYS: `k1:${key}`, GOOGLE_WEBHOOK_URL: 'http://example.com/hook' })).toEqual([
      'GOOGLE_WEBHOOK_URL: must be https in production (Google requires it)',
    ]);
    const production = settingsFrom(loadConfig(configSchema, { ...base, ...push, OMTOBE_MODE: 'production', TOKEN_ENCRYPTION_KEYS: `k1:${key}` }));
    expect(production.mock).toBeUndefined();
  });

  it('pushes: development logs what it has no credentials for; production needs the credentials of every platform it serves', () => {
    const dev = loadConfig(configSchema, base);
    expect(pushSendersFrom(dev)).toEqual({ sendTimeoutMs: 10_000 });
    expect(settingsFrom(dev).push).toMatchObject({ platforms: ['ios', 'android'], maxDevicesPerUser: 10, maxAttempts: 5, pollIntervalMs: 500, breathePrompt: false });
    const withApns = pushSendersFrom(loadConfig(configSchema, { ...base, ...push }));
    expect(withApns.apns).toMatchObject({ keyFile: push.APNS_KEY_FILE, topic: 'com.omtobe.app', hosts: { production: 'api.push.apple.com', sandbox: 'api.sandbox.push.apple.com' }, port: 443 });
    expect(withApns.fcm).toEqual({ serviceAccountFile: push.FCM_SERVICE_ACCOUNT_FILE, apiRoot: 'https://fcm.googleapis.com/' });
    expect(pushSendersFrom(loadConfig(configSchema, { ...base, ...push, PUSH_SENDER: 'log' }))).toEqual({ sendTimeoutMs: 10_000 });

    const prod = { ...base, OMTOBE_MODE: 'production', TOKEN_ENCRYPTION_KEYS: `k1:${key}` };
    expect(problemsOf(prod)).toEqual([
      'APNS_KEY_FILE: APNs credentials (APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC) are required in production to push to iOS (or leave ios out of PUSH_PLATFORMS)',
      'FCM_SERVICE_ACCOUNT_FILE: an FCM service account is required in production to push to Android (or leave android out of PUSH_PLATFORMS)',
    ]);
    expect(problemsOf({ ...prod, PUSH_PLATFORMS: 'android', FCM_SERVICE_ACCOUNT_FILE: push.FCM_SERVICE_ACCOUNT_FILE })).toEqual([]);
    expect(problemsOf({ ...prod, ...push, PUSH_SENDER: 'log' })).toEqual(['PUSH_SENDER: log is for development: production sends real pushes']);
    expect(problemsOf({ ...base, APNS_KEY_ID: 'ABC123DEFG' })).toEqual([
      'APNS_KEY_FILE: is required when APNS_KEY_ID is set',
      'APNS_TEAM_ID: is required when APNS_KEY_ID is set',
      'APNS_TOPIC: is required when APNS_KEY_ID is set',
    ]);
    expect(problemsOf({ ...base, PUSH_PLATFORMS: 'ios,windows' })).toEqual(['PUSH_PLATFORMS: lists "windows"; only ios and android are known']);
  });

  it('names every missing part of a half-configured provider, and a malformed keyring, without echoing values', () => {
    const problems = problemsOf({ ...base, WHOOP_CLIENT_ID: 'id', TOKEN_ENCRYPTION_KEYS: 'k1:c2VjcmV0' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'WHOOP_CLIENT_SECRET: is required when WHOOP_CLIENT_ID is set',
        'WHOOP_REDIRECT_URI: is required when WHOOP_CLIENT_ID is set',
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: key "k1": must be 32 bytes/),
      ]),
    );
    expect(problems.join(' ')).not.toContain('c2VjcmV0');
  });

  it('turns a fully configured provider on, with its endpoints and intervals', () => {
    const settings = settingsFrom(
      loadConfig(configSchema, {
        ...base,
        GOOGLE_CLIENT_ID: 'g',
        GOOGLE_CLIENT_SECRET: 's',
        GOOGLE_REDIRECT_URI: 'https://api.example.com/cb',
        GOOGLE_TOKEN_URL: 'http://127.0.0.1:9/token',
        CALENDAR_WINDOW_DAYS: '7',
        MOCK_PROVIDERS: 'false',
      }),
    );
    expect(settings.google).toMatchObject({ tokenUrl: 'http://127.0.0.1:9/token', windowMs: 7 * 86_400_000, calendarId: 'primary' });
    expect(settings.google!.webhookUrl).toBeUndefined();
    expect(settings.mock).toBeUndefined();
  });

  it('takes one clock-skew tolerance for every source from CLOCK_SKEW_TOLERANCE_SECONDS, as the state engine does, and refuses the old HRV-only one', () => {
    expect(defaultClockSkewToleranceSeconds).toBe(60);
    expect(settingsFrom(loadConfig(configSchema, { ...base, CLOCK_SKEW_TOLERANCE_SECONDS: '90' })).hrv.clockSkewToleranceMs).toBe(90_000);
    expect(settingsFrom(loadConfig(configSchema, { ...base, CLOCK_SKEW_TOLERANCE_SECONDS: '0' })).hrv.clockSkewToleranceMs).toBe(0);
    expect(problemsOf({ ...base, CLOCK_SKEW_TOLERANCE_SECONDS: '-1' })).toEqual([expect.stringMatching(/^CLOCK_SKEW_TOLERANCE_SECONDS: /)]);
    expect(problemsOf({ ...base, HRV_FUTURE_SKEW_SECONDS: '300' })).toEqual([
      'HRV_FUTURE_SKEW_SECONDS: is replaced by CLOCK_SKEW_TOLERANCE_SECONDS (one tolerance for every source and the state engine)',
    ]);
  });
});
