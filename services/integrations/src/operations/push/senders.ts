import type { Logger } from '@omtobe/platform';
import type { PushSenders } from '../../domain/push-sender.ts';
import { createApnsSender, type ApnsSenderSettings } from '../../providers/apns/apns-sender.ts';
import { createFcmSender, type FcmSenderSettings } from '../../providers/fcm/fcm-sender.ts';
import { createLogSender } from './log-sender.ts';

export interface PushSenderSettings {
  sendTimeoutMs: number;
  apns?: ApnsSenderSettings;
  fcm?: FcmSenderSettings;
}

/**
 * A sender per platform: APNs and FCM where their credentials are configured, the development log sender for the
 * rest (config.ts refuses production without the credentials of the platforms it serves).
 */
export async function createPushSenders(settings: PushSenderSettings, logger: Logger): Promise<PushSenders & { close(): Promise<void> }> {
  const log = createLogSender(logger.child({ component: 'push-log' }));
  const ios = settings.apns ? createApnsSender(settings.apns, { timeoutMs: settings.sendTimeoutMs, logger }) : log;
  const android = settings.fcm ? await createFcmSender(settings.fcm, { timeoutMs: settings.sendTimeoutMs, logger }) : log;
  return {
    ios,
    android,
    async close() {
      await Promise.all([...new Set([ios, android, log])].map((s) => s.close()));
    },
  };
}
