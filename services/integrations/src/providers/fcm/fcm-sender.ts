import { readFileSync } from 'node:fs';
import type { Logger } from '@omtobe/platform';
import { tokenTag } from '../../domain/device-token.ts';
import { fcmMessage } from '../../domain/push-message.ts';
import type { PushSender } from '../../domain/push-sender.ts';
import { fcmOutcome } from './fcm-outcome.ts';

export interface FcmSenderSettings {
  /** A service account JSON (client_email, private_key, project_id, token_uri). */
  serviceAccountFile: string;
  /** https://fcm.googleapis.com/ (googleapis `rootUrl`); tests point it at a local server. */
  apiRoot: string;
  /** Defaults to the service account's project_id. */
  projectId?: string;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface ServiceAccount {
  client_email: string;
  private_key: string;
  project_id?: string;
  token_uri?: string;
}

/**
 * FCM HTTP v1 through `googleapis` (`fcm.projects.messages.send`), authorised by a service account through
 * google-auth-library's JWT client (RS256 assertion → OAuth access token, cached and renewed by the library).
 * The library posts the assertion to Google's token URL whatever the account's `token_uri` says; a request
 * interceptor on its own transporter sends it to `token_uri` instead, so a test's fake token endpoint (or a
 * private universe) is honoured. gaxios' retries are off: the delivery worker retries, with Retry-After.
 */
export async function createFcmSender(settings: FcmSenderSettings, options: { timeoutMs: number; logger: Logger }): Promise<PushSender> {
  const logger = options.logger.child({ component: 'fcm' });
  let account: ServiceAccount;
  try {
    account = JSON.parse(readFileSync(settings.serviceAccountFile, 'utf8')) as ServiceAccount;
  } catch (error) {
    // The message of a JSON error may quote the file (a private key): only the kind of failure is told.
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`FCM_SERVICE_ACCOUNT_FILE ${code ? `cannot be read (${code})` : 'is not JSON'}: ${settings.serviceAccountFile}`);
  }
  if (!account.client_email || !account.private_key) throw new Error('FCM_SERVICE_ACCOUNT_FILE lacks client_email or private_key');
  const projectId = settings.projectId ?? account.project_id;
  if (!projectId) throw new Error('FCM needs a project: set FCM_PROJECT_ID or use a service account JSON with project_id');

  const { google } = await import('googleapis');
  const { JWT } = await import('google-auth-library');
  const auth = new JWT({ email: account.client_email, key: account.private_key, scopes: [FCM_SCOPE] });
  const tokenUri = account.token_uri;
  if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
    auth.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (String(request.url) === GOOGLE_TOKEN_URL) request.url = new URL(tokenUri);
        return request;
      },
    });
  }
  const fcm = google.fcm({ version: 'v1', auth, rootUrl: settings.apiRoot });

  return {
    name: 'fcm',
    async send(target, intent, now, pushOptions) {
      try {
        await fcm.projects.messages.send(
          { parent: `projects/${projectId}`, requestBody: { message: { token: target.token, ...fcmMessage(intent, now, pushOptions) } } },
          { retry: false, timeout: options.timeoutMs },
        );
        return { kind: 'sent' };
      } catch (error) {
        const outcome = fcmOutcome(error, now);
        logger.debug({ device: tokenTag(target.token), reason: outcome.kind === 'sent' ? undefined : outcome.reason }, 'FCM refused a push');
        return outcome;
      }
    },
    async close() {},
  };
}
