/**
 * Microsoft 365 calendars through Microsoft Graph (config.ts builds these from the MICROSOFT_* variables; absent when
 * MICROSOFT_CLIENT_ID/SECRET/REDIRECT_URI are not all set). Durations are milliseconds.
 */
export interface MicrosoftSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** https://login.microsoftonline.com/common (work, school and personal accounts); tests point it at a fake. */
  readonly authority: string;
  /** Hosts msal may trust as authorities without Microsoft's instance discovery (a fake's `host:port`); empty for Microsoft's own. */
  readonly knownAuthorities: readonly string[];
  /** https://graph.microsoft.com (the Graph client's `baseUrl`, version v1.0). */
  readonly graphBaseUrl: string;
  /** A PEM CA to trust for both hosts instead of the system's (the tests' fake); unset in production. */
  readonly caPem?: string;
  /** Events starting further ahead than this are not read (the calendar view's window). */
  readonly windowMs: number;
  /** Periodic delta sync: the safety net for lost notifications. */
  readonly syncIntervalMs: number;
  /** A new calendar view (fresh window, no delta link) this often, so the window slides. */
  readonly fullSyncIntervalMs: number;
  /** HTTPS address Graph posts change and lifecycle notifications to; subscriptions only when set. */
  readonly webhookUrl?: string;
  /** Asked-for subscription life; Graph caps Outlook event subscriptions at 4,230 minutes (the answer counts). */
  readonly subscriptionTtlMs: number;
  /** A subscription expiring within this is renewed (PATCH) by the next sync. */
  readonly subscriptionRenewBeforeMs: number;
}

/** Delegated permission for reading the user's calendars; msal adds openid, profile and offline_access itself. */
export const microsoftScopes = ['Calendars.Read'] as const;
