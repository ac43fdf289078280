import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envInt, envList } from '@omtobe/platform';
import { allOrNone, oauthClientFrom, oauthClientVariables } from '../../config-groups.ts';
import type { MicrosoftSettings } from './microsoft-settings.ts';

const httpsUrl = () => z.url({ protocol: /^https$/, error: 'must be an https URL' });

/**
 * The MICROSOFT_* variables, to spread into config.ts's schema (`...microsoftConfigShape`). Both Microsoft libraries
 * insist on https: msal refuses an http authority, and the Graph client sends the bearer token only to https hosts.
 */
export const microsoftConfigShape = {
  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_REDIRECT_URI: httpsUrl().optional(),
  MICROSOFT_AUTHORITY: httpsUrl().default('https://login.microsoftonline.com/common'),
  /** `host[:port]` of authorities msal may use without Microsoft's instance discovery (a test or sovereign host). */
  MICROSOFT_KNOWN_AUTHORITIES: envList().optional(),
  MICROSOFT_GRAPH_BASE_URL: httpsUrl().default('https://graph.microsoft.com'),
  /** A PEM file of the CA to trust for both hosts instead of the system's (tests' fake). */
  MICROSOFT_CA_FILE: z.string().min(1).optional(),
  /** Where Graph posts change and lifecycle notifications (the gateway's POST /api/v1/webhooks/microsoft); unset: no subscriptions. */
  MICROSOFT_WEBHOOK_URL: httpsUrl().optional(),
  MICROSOFT_SUBSCRIPTION_TTL_MINUTES: envInt({ min: 60, max: 4230 }).default(4230),
  MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS: envInt({ min: 1, max: 70 }).default(12),
};

// As config.ts's loaded (frozen) config carries them: its lists are readonly.
type MicrosoftConfig = Omit<z.output<z.ZodObject<typeof microsoftConfigShape>>, 'MICROSOFT_KNOWN_AUTHORITIES'> & { MICROSOFT_KNOWN_AUTHORITIES?: readonly string[] | undefined };

/** For config.ts's superRefine: the three credentials go together, and renewal comes before expiry. */
export function microsoftConfigProblems(c: MicrosoftConfig): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = allOrNone(c, oauthClientVariables('MICROSOFT')).problems;
  if (c.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS * 60 >= c.MICROSOFT_SUBSCRIPTION_TTL_MINUTES) {
    problems.push({ path: 'MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS', message: 'must be below MICROSOFT_SUBSCRIPTION_TTL_MINUTES' });
  }
  return problems;
}

/** The provider's settings, or undefined when its credentials are not configured. Window and sync cadence are the calendars' (CALENDAR_*). */
export function microsoftSettingsFrom(
  c: MicrosoftConfig,
  calendar: { windowMs: number; syncIntervalMs: number; fullSyncIntervalMs: number },
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): MicrosoftSettings | undefined {
  const client = oauthClientFrom(c, 'MICROSOFT');
  if (!client) return undefined;
  return {
    ...client,
    authority: c.MICROSOFT_AUTHORITY,
    knownAuthorities: c.MICROSOFT_KNOWN_AUTHORITIES ?? [],
    graphBaseUrl: c.MICROSOFT_GRAPH_BASE_URL,
    ...(c.MICROSOFT_CA_FILE ? { caPem: readFile(c.MICROSOFT_CA_FILE) } : {}),
    ...calendar,
    ...(c.MICROSOFT_WEBHOOK_URL ? { webhookUrl: c.MICROSOFT_WEBHOOK_URL } : {}),
    subscriptionTtlMs: c.MICROSOFT_SUBSCRIPTION_TTL_MINUTES * 60_000,
    subscriptionRenewBeforeMs: c.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS * 3_600_000,
  };
}
