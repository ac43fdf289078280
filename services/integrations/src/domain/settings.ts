import type { MicrosoftSettings } from '../providers/microsoft/microsoft-settings.ts';

/**
 * The numbers and switches the service runs by, resolved from configuration once at startup
 * (config.ts builds them). Durations are milliseconds. A provider section is absent when that
 * provider is not configured, and `mock` is absent outside development mode.
 */
export interface Settings {
  /** Whole-word title keywords (any case) that make a calendar event high-stakes. */
  readonly highStakesKeywords: readonly string[];
  readonly hrv: HrvSettings;
  /** How long an ended high-stakes event is kept. */
  readonly eventRetentionMs: number;
  readonly deviceCalendar: DeviceCalendarSettings;
  /** How long the `state` of an authorization URL is accepted. */
  readonly oauthStateTtlMs: number;
  /** The app's URL the callback redirects to with `provider` and the one-time redemption `code`. */
  readonly oauthAppRedirectUrl: string;
  /** How long a callback's redemption code is good for. */
  readonly oauthRedeemTtlMs: number;
  /** A sync or revocation claimed by one replica is its own for this long. */
  readonly workLeaseMs: number;
  /** Longest inline wait for a provider's Retry-After; a longer one reschedules the sync instead. */
  readonly maxInlineRetryWaitMs: number;
  readonly whoop?: WhoopSettings;
  readonly google?: GoogleSettings;
  readonly microsoft?: MicrosoftSettings;
  readonly mock?: MockSettings;
  readonly push: PushSettings;
}

/** Devices and pushes to phones (push/). The senders' credentials are in PushSenderSettings. */
export interface PushSettings {
  /** Platforms devices may be registered for (each needs its sender's credentials in production). */
  readonly platforms: ReadonlyArray<'ios' | 'android'>;
  /** A user's devices beyond this many: the least recently registered is replaced. */
  readonly maxDevicesPerUser: number;
  /** Tries of one push, the first included, before it is dead. */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  /** One send to APNs or FCM waits no longer than this (then it is tried again later). */
  readonly sendTimeoutMs: number;
  /** Pushes claimed per pass, and in flight at most at once (per replica). */
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly pollIntervalMs: number;
  /** Sent, expired, cancelled pushes are kept this long after they finished (for "did it go out?"). */
  readonly finishedRetentionMs: number;
  /** Dead pushes (the dead letter) are kept this long. */
  readonly deadRetentionMs: number;
  /** A transition naming no expiry lapses this long after it occurred. */
  readonly defaultTtlMs: number;
  /** Reading requests also show a visible "take a one-minute Breathe session" alert. */
  readonly breathePrompt: boolean;
}

export interface HrvSettings {
  /** Most samples one upload may carry. */
  readonly maxBatch: number;
  /** Plausible SDNN values, inclusive. */
  readonly minMs: number;
  readonly maxMs: number;
  /**
   * How far ahead of our clock a sample may be measured, whatever its source; anything later is never
   * stored. The state engine uses the same tolerance (CLOCK_SKEW_TOLERANCE_SECONDS).
   */
  readonly clockSkewToleranceMs: number;
  /** Samples older than this are not accepted and are purged. */
  readonly retentionMs: number;
}

/** The phone's own calendars, uploaded by the app (UploadCalendarEvents). */
export interface DeviceCalendarSettings {
  /** Most events one upload may carry. */
  readonly maxBatch: number;
  /** The longest window one upload may cover. */
  readonly maxWindowMs: number;
  /** A window may end at most this far ahead (CALENDAR_WINDOW_DAYS: events further ahead are of no interest yet). */
  readonly horizonMs: number;
}

export interface WhoopSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** https://api.prod.whoop.com; tests point it at a local server. */
  readonly baseUrl: string;
  /** How far back the first sync reads recoveries. */
  readonly backfillMs: number;
  /** How often a connection is synced without a webhook (catch-up for missed deliveries). */
  readonly syncIntervalMs: number;
  /** Webhook timestamps further than this from now are refused. */
  readonly webhookToleranceMs: number;
}

export interface GoogleSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** https://www.googleapis.com/ (googleapis `rootUrl`). */
  readonly apiRootUrl: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  readonly calendarId: string;
  /** Events starting further ahead than this are not read. */
  readonly windowMs: number;
  /** Periodic sync, the fallback for missed push notifications. */
  readonly syncIntervalMs: number;
  /** A full resync (no sync token) this often, so the forward window slides. */
  readonly fullSyncIntervalMs: number;
  /** HTTPS address Google posts notifications to; push channels only when set. */
  readonly webhookUrl?: string;
  readonly channelTtlMs: number;
  /** A channel is replaced when it expires within this. */
  readonly channelRenewBeforeMs: number;
}

export interface MockSettings {
  /** A synthetic sample for every known user this often. */
  readonly hrvIntervalMs: number;
  /** History written for a user when they register, so a baseline exists at once. */
  readonly backfillMs: number;
  /** An injected drop keeps the stream low this long. */
  readonly dropHoldMs: number;
  /** Days ahead the mock calendar fills. */
  readonly calendarDays: number;
}

export { defaultHighStakesKeywords } from '@omtobe/rules';
