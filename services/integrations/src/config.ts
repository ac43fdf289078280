import { createHash } from 'node:crypto';
import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envBool, envInt, envList, loadConfigOrExit, serviceKeyRefinement, serviceKeysConfigSchema } from '@omtobe/platform';
import { defaultClockSkewToleranceSeconds } from '@omtobe/rules';
import { defaultHighStakesKeywords, type Settings } from './domain/settings.ts';
import { parseKeyring } from './domain/token-cipher.ts';
import { allOrNone, oauthClientFrom, oauthClientVariables } from './config-groups.ts';
import { microsoftConfigProblems, microsoftConfigShape, microsoftSettingsFrom } from './providers/microsoft/microsoft-config.ts';
import type { PushSenderSettings } from './operations/push/senders.ts';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Development only: a fixed, publicly known key so `npm start` works without setup and tokens survive
 * restarts. Production refuses to start without TOKEN_ENCRYPTION_KEYS.
 */
export const developmentTokenKeys = `dev:${createHash('sha256').update('omtobe development token key: not a secret').digest('base64')}`;

export const configSchema = baseConfigSchema
  .extend({
    ...databaseConfigSchema.shape,
    // Its callers' public keys (SERVICE_PUBLIC_KEYS[_DIR]; libs/platform service-keys.ts).
    ...serviceKeysConfigSchema.shape,
    ...kafkaConfigSchema.shape,
    SERVICE_NAME: z.string().default('integrations'),
    PORT: envInt({ min: 0, max: 65_535 }).default(50053),
    /** `kid:base64(32 bytes)` pairs, comma-separated; the first encrypts, all decrypt. */
    TOKEN_ENCRYPTION_KEYS: z.string().optional(),
    HIGH_STAKES_KEYWORDS: envList().default([...defaultHighStakesKeywords]),
    HRV_MAX_BATCH: envInt({ min: 1, max: 5_000 }).default(500),
    HRV_MIN_MS: envInt({ min: 1 }).default(1),
    HRV_MAX_MS: envInt({ min: 2 }).default(300),
    /** The phone's calendars (UploadCalendarEvents): events per upload, and the longest window one upload may cover. */
    DEVICE_CALENDAR_MAX_BATCH: envInt({ min: 1, max: 5_000 }).default(500),
    DEVICE_CALENDAR_MAX_WINDOW_HOURS: envInt({ min: 1, max: 31 * 24 }).default(7 * 24),
    /**
     * How far ahead of our clock a sample may be measured (device and provider clocks drift). The state
     * engine reads the same variable with the same default, so a sample stored here is one it counts.
     */
    CLOCK_SKEW_TOLERANCE_SECONDS: envInt({ min: 0, max: 3_600 }).default(defaultClockSkewToleranceSeconds),
    /** Replaced by CLOCK_SKEW_TOLERANCE_SECONDS; refused rather than silently ignored. */
    HRV_FUTURE_SKEW_SECONDS: z.string().optional(),
    /** Samples outlive the state engine's 7-day baseline window by a day. */
    HRV_RETENTION_DAYS: envInt({ min: 1 }).default(8),
    EVENT_RETENTION_HOURS: envInt({ min: 0 }).default(24),
    OAUTH_STATE_TTL_MINUTES: envInt({ min: 1, max: 60 }).default(10),
    // Where the OAuth callback hands the app its one-time redemption code: the app's URL scheme (or a universal link).
    OAUTH_APP_REDIRECT_URL: z.string().max(512).refine((v) => URL.canParse(v), 'must be a URL such as omtobe://oauth').default('omtobe://oauth'),
    OAUTH_REDEEM_TTL_MINUTES: envInt({ min: 1, max: 15 }).default(5),
    WORKER_INTERVAL_MS: envInt({ min: 50 }).default(5_000),
    MAINTENANCE_INTERVAL_MINUTES: envInt({ min: 1 }).default(10),
    WORK_LEASE_SECONDS: envInt({ min: 10 }).default(300),
    PROVIDER_MAX_INLINE_WAIT_SECONDS: envInt({ min: 0, max: 300 }).default(30),

    WHOOP_CLIENT_ID: z.string().optional(),
    WHOOP_CLIENT_SECRET: z.string().optional(),
    WHOOP_REDIRECT_URI: httpUrl().optional(),
    WHOOP_BASE_URL: httpUrl().default('https://api.prod.whoop.com'),
    WHOOP_BACKFILL_DAYS: envInt({ min: 1, max: 90 }).default(8),
    WHOOP_SYNC_INTERVAL_MINUTES: envInt({ min: 1 }).default(60),
    WHOOP_WEBHOOK_TOLERANCE_SECONDS: envInt({ min: 10, max: 3_600 }).default(300),

    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    GOOGLE_REDIRECT_URI: httpUrl().optional(),
    GOOGLE_API_ROOT_URL: httpUrl().default('https://www.googleapis.com/'),
    GOOGLE_AUTH_URL: httpUrl().default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: httpUrl().default('https://oauth2.googleapis.com/token'),
    GOOGLE_REVOKE_URL: httpUrl().default('https://oauth2.googleapis.com/revoke'),
    GOOGLE_CALENDAR_ID: z.string().min(1).default('primary'),
    /** Where Google posts push notifications (the gateway's public HTTPS route); no push channels when unset. */
    GOOGLE_WEBHOOK_URL: httpUrl().optional(),
    CALENDAR_WINDOW_DAYS: envInt({ min: 1, max: 60 }).default(14),
    CALENDAR_SYNC_INTERVAL_MINUTES: envInt({ min: 1 }).default(15),
    CALENDAR_FULL_SYNC_HOURS: envInt({ min: 1 }).default(24),
    CALENDAR_CHANNEL_TTL_HOURS: envInt({ min: 1, max: 24 * 30 }).default(7 * 24),
    CALENDAR_CHANNEL_RENEW_BEFORE_HOURS: envInt({ min: 1 }).default(24),
    // Microsoft 365 (MICROSOFT_*): off unless MICROSOFT_CLIENT_ID, _SECRET and _REDIRECT_URI are all set.
    ...microsoftConfigShape,

    /** The mock HRV stream, mock calendar and dev controls; on by default in development, refused in production. */
    MOCK_PROVIDERS: envBool().optional(),
    MOCK_HRV_INTERVAL_MINUTES: envInt({ min: 1 }).default(5),
    MOCK_HRV_BACKFILL_DAYS: envInt({ min: 0, max: 30 }).default(7),
    MOCK_DROP_HOLD_MINUTES: envInt({ min: 1 }).default(30),
    // 0 turns the mock calendar off (only injected events), as a scripted demo or test wants.
    MOCK_CALENDAR_DAYS: envInt({ min: 0, max: 14 }).default(3),

    // Pushes to phones (README "Pushes"). Production needs the credentials of every platform in PUSH_PLATFORMS;
    // development sends what it has credentials for and logs the rest (PUSH_SENDER=log logs everything).
    PUSH_SENDER: z.enum(['auto', 'log']).default('auto'),
    PUSH_PLATFORMS: envList().default(['ios', 'android']),
    /** The .p8 key of an APNs token-auth key (Apple Developer → Keys), its key id, the team id and the app's bundle id. */
    APNS_KEY_FILE: z.string().min(1).optional(),
    APNS_KEY_ID: z.string().min(1).optional(),
    APNS_TEAM_ID: z.string().min(1).optional(),
    APNS_TOPIC: z.string().min(1).optional(),
    APNS_HOST_PRODUCTION: z.string().min(1).default('api.push.apple.com'),
    APNS_HOST_SANDBOX: z.string().min(1).default('api.sandbox.push.apple.com'),
    APNS_PORT: envInt({ min: 1, max: 65_535 }).default(443),
    /** PEM CA to trust instead of the system's (tests' fake APNs). */
    APNS_CA_FILE: z.string().min(1).optional(),
    /** A Google service account JSON with the Firebase Cloud Messaging API Admin role; its project_id is the FCM project. */
    FCM_SERVICE_ACCOUNT_FILE: z.string().min(1).optional(),
    FCM_PROJECT_ID: z.string().min(1).optional(),
    FCM_API_ROOT: httpUrl().default('https://fcm.googleapis.com/'),
    PUSH_MAX_DEVICES_PER_USER: envInt({ min: 1, max: 100 }).default(10),
    PUSH_MAX_ATTEMPTS: envInt({ min: 1, max: 50 }).default(5),
    PUSH_RETRY_BASE_MS: envInt({ min: 10 }).default(5_000),
    PUSH_RETRY_CAP_MS: envInt({ min: 10 }).default(10 * 60_000),
    PUSH_SEND_TIMEOUT_MS: envInt({ min: 100, max: 120_000 }).default(10_000),
    PUSH_BATCH_SIZE: envInt({ min: 1, max: 1_000 }).default(50),
    PUSH_MAX_IN_FLIGHT: envInt({ min: 1, max: 10_000 }).default(200),
    PUSH_POLL_INTERVAL_MS: envInt({ min: 10 }).default(500),
    PUSH_FINISHED_RETENTION_HOURS: envInt({ min: 0 }).default(24),
    PUSH_DEAD_RETENTION_DAYS: envInt({ min: 0 }).default(7),
    PUSH_DEFAULT_TTL_MINUTES: envInt({ min: 1 }).default(60),
    PUSH_BREATHE_PROMPT: envBool().default(false),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    for (const provider of ['WHOOP', 'GOOGLE'] as const) {
      for (const { path, message } of allOrNone(c, oauthClientVariables(provider)).problems) problem(path, message);
    }
    if (c.OMTOBE_MODE === 'production') {
      if (c.TOKEN_ENCRYPTION_KEYS === undefined) problem('TOKEN_ENCRYPTION_KEYS', 'is required in production');
      else if (c.TOKEN_ENCRYPTION_KEYS.includes(developmentTokenKeys.slice('dev:'.length))) {
        problem('TOKEN_ENCRYPTION_KEYS', 'holds the public development key; production needs a secret one');
      }
      if (c.MOCK_PROVIDERS === true) problem('MOCK_PROVIDERS', 'mock providers are refused in production');
      if (c.GOOGLE_WEBHOOK_URL?.startsWith('http:')) problem('GOOGLE_WEBHOOK_URL', 'must be https in production (Google requires it)');
    }
    try {
      parseKeyring(c.TOKEN_ENCRYPTION_KEYS ?? developmentTokenKeys);
    } catch (error) {
      problem('TOKEN_ENCRYPTION_KEYS', (error as Error).message);
    }
    if (c.HRV_FUTURE_SKEW_SECONDS !== undefined) problem('HRV_FUTURE_SKEW_SECONDS', 'is replaced by CLOCK_SKEW_TOLERANCE_SECONDS (one tolerance for every source and the state engine)');
    const apns = allOrNone(c, ['APNS_KEY_FILE', 'APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_TOPIC']);
    for (const { path, message } of apns.problems) problem(path, message);
    for (const platform of c.PUSH_PLATFORMS) {
      if (platform !== 'ios' && platform !== 'android') problem('PUSH_PLATFORMS', `lists "${platform}"; only ios and android are known`);
    }
    if (c.OMTOBE_MODE === 'production') {
      if (c.PUSH_SENDER === 'log') problem('PUSH_SENDER', 'log is for development: production sends real pushes');
      if (c.PUSH_PLATFORMS.includes('ios') && apns.set.length === 0) {
        problem('APNS_KEY_FILE', 'APNs credentials (APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC) are required in production to push to iOS (or leave ios out of PUSH_PLATFORMS)');
      }
      if (c.PUSH_PLATFORMS.includes('android') && c.FCM_SERVICE_ACCOUNT_FILE === undefined) {
        problem('FCM_SERVICE_ACCOUNT_FILE', 'an FCM service account is required in production to push to Android (or leave android out of PUSH_PLATFORMS)');
      }
    }
    if (c.HRV_MIN_MS >= c.HRV_MAX_MS) problem('HRV_MIN_MS', 'must be below HRV_MAX_MS');
    if (c.CALENDAR_CHANNEL_RENEW_BEFORE_HOURS >= c.CALENDAR_CHANNEL_TTL_HOURS) problem('CALENDAR_CHANNEL_RENEW_BEFORE_HOURS', 'must be below CALENDAR_CHANNEL_TTL_HOURS');
    for (const { path, message } of microsoftConfigProblems(c)) problem(path, message);
  })
  .superRefine(serviceKeyRefinement({ servesCallers: ['gateway'] }));

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);

export function tokenKeysFrom(config: Config): string {
  return config.TOKEN_ENCRYPTION_KEYS ?? developmentTokenKeys;
}

const knownPlatforms = (list: readonly string[]) => list.filter((p): p is 'ios' | 'android' => p === 'ios' || p === 'android');

/** What the push senders are made from: real ones where credentials are configured, the log sender otherwise (development). */
export function pushSendersFrom(config: Config): PushSenderSettings {
  const log = config.PUSH_SENDER === 'log';
  return {
    sendTimeoutMs: config.PUSH_SEND_TIMEOUT_MS,
    ...(!log && config.APNS_KEY_FILE && config.APNS_KEY_ID && config.APNS_TEAM_ID && config.APNS_TOPIC
      ? {
          apns: {
            keyFile: config.APNS_KEY_FILE,
            keyId: config.APNS_KEY_ID,
            teamId: config.APNS_TEAM_ID,
            topic: config.APNS_TOPIC,
            hosts: { production: config.APNS_HOST_PRODUCTION, sandbox: config.APNS_HOST_SANDBOX },
            port: config.APNS_PORT,
            ...(config.APNS_CA_FILE ? { caFile: config.APNS_CA_FILE } : {}),
          },
        }
      : {}),
    ...(!log && config.FCM_SERVICE_ACCOUNT_FILE
      ? { fcm: { serviceAccountFile: config.FCM_SERVICE_ACCOUNT_FILE, apiRoot: config.FCM_API_ROOT, ...(config.FCM_PROJECT_ID ? { projectId: config.FCM_PROJECT_ID } : {}) } }
      : {}),
  };
}

export function settingsFrom(config: Config): Settings {
  const mockOn = config.OMTOBE_MODE === 'development' && (config.MOCK_PROVIDERS ?? true);
  // Every calendar provider's window and sync cadence.
  const calendarSync = {
    windowMs: config.CALENDAR_WINDOW_DAYS * day,
    syncIntervalMs: config.CALENDAR_SYNC_INTERVAL_MINUTES * minute,
    fullSyncIntervalMs: config.CALENDAR_FULL_SYNC_HOURS * hour,
  };
  const whoop = oauthClientFrom(config, 'WHOOP');
  const google = oauthClientFrom(config, 'GOOGLE');
  const microsoft = microsoftSettingsFrom(config, calendarSync);
  return {
    highStakesKeywords: config.HIGH_STAKES_KEYWORDS,
    hrv: {
      maxBatch: config.HRV_MAX_BATCH,
      minMs: config.HRV_MIN_MS,
      maxMs: config.HRV_MAX_MS,
      clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_SECONDS * 1000,
      retentionMs: config.HRV_RETENTION_DAYS * day,
    },
    eventRetentionMs: config.EVENT_RETENTION_HOURS * hour,
    deviceCalendar: {
      maxBatch: config.DEVICE_CALENDAR_MAX_BATCH,
      maxWindowMs: config.DEVICE_CALENDAR_MAX_WINDOW_HOURS * hour,
      // As far ahead as any provider's events are of interest.
      horizonMs: config.CALENDAR_WINDOW_DAYS * day,
    },
    oauthStateTtlMs: config.OAUTH_STATE_TTL_MINUTES * minute,
    oauthAppRedirectUrl: config.OAUTH_APP_REDIRECT_URL,
    oauthRedeemTtlMs: config.OAUTH_REDEEM_TTL_MINUTES * minute,
    workLeaseMs: config.WORK_LEASE_SECONDS * 1000,
    maxInlineRetryWaitMs: config.PROVIDER_MAX_INLINE_WAIT_SECONDS * 1000,
    ...(whoop
      ? {
          whoop: {
            ...whoop,
            baseUrl: config.WHOOP_BASE_URL,
            backfillMs: config.WHOOP_BACKFILL_DAYS * day,
            syncIntervalMs: config.WHOOP_SYNC_INTERVAL_MINUTES * minute,
            webhookToleranceMs: config.WHOOP_WEBHOOK_TOLERANCE_SECONDS * 1000,
          },
        }
      : {}),
    ...(google
      ? {
          google: {
            ...google,
            apiRootUrl: config.GOOGLE_API_ROOT_URL,
            authUrl: config.GOOGLE_AUTH_URL,
            tokenUrl: config.GOOGLE_TOKEN_URL,
            revokeUrl: config.GOOGLE_REVOKE_URL,
            calendarId: config.GOOGLE_CALENDAR_ID,
            ...calendarSync,
            ...(config.GOOGLE_WEBHOOK_URL ? { webhookUrl: config.GOOGLE_WEBHOOK_URL } : {}),
            channelTtlMs: config.CALENDAR_CHANNEL_TTL_HOURS * hour,
            channelRenewBeforeMs: config.CALENDAR_CHANNEL_RENEW_BEFORE_HOURS * hour,
          },
        }
      : {}),
    ...(microsoft ? { microsoft } : {}),
    push: {
      platforms: knownPlatforms(config.PUSH_PLATFORMS),
      maxDevicesPerUser: config.PUSH_MAX_DEVICES_PER_USER,
      maxAttempts: config.PUSH_MAX_ATTEMPTS,
      retryBaseMs: config.PUSH_RETRY_BASE_MS,
      retryCapMs: config.PUSH_RETRY_CAP_MS,
      sendTimeoutMs: config.PUSH_SEND_TIMEOUT_MS,
      batchSize: config.PUSH_BATCH_SIZE,
      maxInFlight: config.PUSH_MAX_IN_FLIGHT,
      pollIntervalMs: config.PUSH_POLL_INTERVAL_MS,
      finishedRetentionMs: config.PUSH_FINISHED_RETENTION_HOURS * hour,
      deadRetentionMs: config.PUSH_DEAD_RETENTION_DAYS * day,
      defaultTtlMs: config.PUSH_DEFAULT_TTL_MINUTES * minute,
      breathePrompt: config.PUSH_BREATHE_PROMPT,
    },
    ...(mockOn
      ? {
          mock: {
            hrvIntervalMs: config.MOCK_HRV_INTERVAL_MINUTES * minute,
            backfillMs: config.MOCK_HRV_BACKFILL_DAYS * day,
            dropHoldMs: config.MOCK_DROP_HOLD_MINUTES * minute,
            calendarDays: config.MOCK_CALENDAR_DAYS,
          },
        }
      : {}),
  };
}
