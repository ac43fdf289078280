import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { microsoftConfigProblems, microsoftConfigShape, microsoftSettingsFrom } from './microsoft-config.ts';

const schema = z.object(microsoftConfigShape);
const calendar = { windowMs: 1, syncIntervalMs: 2, fullSyncIntervalMs: 3 };

describe('MICROSOFT_* configuration', () => {
  it('is off without credentials, with Microsoft’s hosts and the Outlook maximum as defaults', () => {
    const c = schema.parse({});
    expect(microsoftSettingsFrom(c, calendar)).toBeUndefined();
    expect(c).toMatchObject({ MICROSOFT_AUTHORITY: 'https://login.microsoftonline.com/common', MICROSOFT_GRAPH_BASE_URL: 'https://graph.microsoft.com', MICROSOFT_SUBSCRIPTION_TTL_MINUTES: 4230, MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS: 12 });
    expect(microsoftConfigProblems(c)).toEqual([]);
  });

  it('builds the settings (the CA read from its file) when all three credentials are set', () => {
    const c = schema.parse({
      MICROSOFT_CLIENT_ID: 'id',
      MICROSOFT_CLIENT_SECRET: 'secret',
      MICROSOFT_REDIRECT_URI: 'https://api.example.test/cb',
      MICROSOFT_KNOWN_AUTHORITIES: '127.0.0.1:8443',
      MICROSOFT_CA_FILE: '/ca.pem',
      MICROSOFT_WEBHOOK_URL: 'https://api.example.test/api/v1/webhooks/microsoft',
    });
    expect(microsoftSettingsFrom(c, calendar, () => 'PEM')).toMatchObject({
      clientId: 'id',
      knownAuthorities: ['127.0.0.1:8443'],
      caPem: 'PEM',
      windowMs: 1,
      webhookUrl: 'https://api.example.test/api/v1/webhooks/microsoft',
      subscriptionTtlMs: 4230 * 60_000,
      subscriptionRenewBeforeMs: 12 * 3_600_000,
    });
  });

  it('refuses http URLs, half the credentials, a renewal margin past the lifetime, and a lifetime over Outlook’s maximum', () => {
    expect(schema.safeParse({ MICROSOFT_WEBHOOK_URL: 'http://api.example.test/hook' }).success).toBe(false);
    expect(schema.safeParse({ MICROSOFT_SUBSCRIPTION_TTL_MINUTES: '10080' }).success).toBe(false);
    expect(microsoftConfigProblems(schema.parse({ MICROSOFT_CLIENT_ID: 'id' })).map((p) => p.path)).toEqual(['MICROSOFT_CLIENT_SECRET', 'MICROSOFT_REDIRECT_URI']);
    expect(microsoftConfigProblems(schema.parse({ MICROSOFT_SUBSCRIPTION_TTL_MINUTES: '600', MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS: '10' })).map((p) => p.path)).toEqual([
      'MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_HOURS',
    ]);
  });
});
