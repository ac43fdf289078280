import { readFileSync } from 'node:fs';
import apn from '@parse/node-apn';
import type { Logger } from '@omtobe/platform';
import { tokenTag, type PushEnvironmentName } from '../../domain/device-token.ts';
import { apnsPush } from '../../domain/push-message.ts';
import type { PushSender } from '../../domain/push-sender.ts';
import { apnsOutcome } from './apns-outcome.ts';

/** Read at startup, so a missing secret mount stops the service with the variable's name, never the content. */
function readSetting(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${file}`);
  }
}

export interface ApnsSenderSettings {
  /** The .p8 token-auth key (path); read once at startup. */
  keyFile: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id (apns-topic). */
  topic: string;
  hosts: Record<PushEnvironmentName, string>;
  port: number;
  /** A PEM CA to trust instead of the system's (tests). */
  caFile?: string;
}

/**
 * APNs through @parse/node-apn: token (JWT, ES256) authentication re-signed before Apple's hour runs out, one
 * HTTP/2 session per environment kept open with PINGs and replaced after a GOAWAY or an error, a per-request
 * timeout. One Provider per environment (a development build's token works only against the sandbox), made on
 * first use. Its own retries are off (`connectionRetryLimit: 0`): it would retry a 429 or a 5xx at once, and it
 * drops Retry-After; retries are the delivery worker's, with backoff, across replicas and restarts.
 */
export function createApnsSender(settings: ApnsSenderSettings, options: { timeoutMs: number; logger: Logger }): PushSender {
  const logger = options.logger.child({ component: 'apns' });
  const key = readSetting('APNS_KEY_FILE', settings.keyFile);
  if (!key.includes('-----BEGIN PRIVATE KEY-----')) throw new Error('APNS_KEY_FILE is not a .p8 key (PEM "BEGIN PRIVATE KEY")');
  const ca = settings.caFile ? [readSetting('APNS_CA_FILE', settings.caFile)] : undefined;
  const providers = new Map<PushEnvironmentName, apn.Provider>();
  const providerFor = (environment: PushEnvironmentName): apn.Provider => {
    let provider = providers.get(environment);
    if (!provider) {
      provider = new apn.Provider({
        token: { key, keyId: settings.keyId, teamId: settings.teamId },
        address: settings.hosts[environment],
        port: settings.port,
        production: environment === 'production',
        ...(ca ? { ca } : {}),
        connectionRetryLimit: 0,
        requestTimeout: options.timeoutMs,
      });
      providers.set(environment, provider);
    }
    return provider;
  };

  return {
    name: 'apns',
    async send(target, intent, _now, pushOptions) {
      const push = apnsPush(intent, pushOptions);
      const note = new apn.Notification();
      note.rawPayload = push.payload;
      note.topic = settings.topic;
      note.pushType = push.pushType;
      note.priority = push.priority;
      note.expiry = push.expiration;
      if (push.collapseId) note.collapseId = push.collapseId;
      try {
        const result = await providerFor(target.environment).send(note, target.token);
        const failure = result.failed[0];
        const outcome = apnsOutcome(result.sent.length > 0 ? undefined : (failure ?? { error: new Error('no answer') }));
        if (outcome.kind !== 'sent') logger.debug({ device: tokenTag(target.token), status: failure?.status, reason: outcome.reason }, 'APNs refused a push');
        return outcome;
      } catch (error) {
        // node-apn rejects with plain objects ({ error }) on connection failures.
        return apnsOutcome({ error: error instanceof Error ? error : ((error as { error?: Error }).error ?? new Error('apns send failed')) });
      }
    },
    async close() {
      await Promise.all([...providers.values()].map((p) => p.shutdown()));
      providers.clear();
    },
  };
}
