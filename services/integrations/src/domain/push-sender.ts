import type { DevicePlatformName, PushEnvironmentName } from './device-token.ts';
import type { PushIntent, PushOptions } from './push-message.ts';
import type { SendOutcome } from './push-outcome.ts';

// The port every push service's adapter implements (providers/apns, providers/fcm, the development log sender):
// operations/push plans and delivers through it, never through a provider's client.

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
