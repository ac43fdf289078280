import type { Logger } from '@omtobe/platform';
import type { DevicePlatformName, PushEnvironmentName } from '../domain/device-token.ts';
import type { PushIntent, PushOptions } from '../domain/push-message.ts';
import type { SendOutcome } from '../domain/push-outcome.ts';
import { createApnsSender, type ApnsSenderSettings } from '../providers/apns/apns-sender.ts';
import { createFcmSender, type FcmSenderSettings } from '../providers/fcm/fcm-sender.ts';
import { createLogSender } from './log-sender.ts';

/** One device, its token in the clear: exists only in memory, between the database and the push service. */
export interface PushTarget {
  deviceId: string;
  platform: DevicePlatformName;
  environment: PushEnvironmentName;
  token: string;
}

/** An outbound adapter to one push service. It never throws: every failure is an outcome (domain/push-outcome.ts). */
export interface PushSender {
  /** What the logs call it: apns, fcm, log. */
  readonly name: string;
  send(target: PushTarget, intent: PushIntent, now: Date, options: PushOptions): Promise<SendOutcome>;
  close(): Promise<void>;
}

export type PushSenders = Readonly<Record<DevicePlatformName, PushSender>>;

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
