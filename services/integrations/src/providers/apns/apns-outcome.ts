import type { SendOutcome } from '../../domain/push-outcome.ts';

/** A node-apn failure: an HTTP status and APNs' `reason`, or a connection error (timeout, reset, TLS). */
export interface ApnsFailure {
  status?: number | string;
  response?: { reason?: string; timestamp?: string | number };
  error?: Error;
}

/** Apple's rules (handling-notification-responses-from-apns): which answers retry, which drop the token. */
export function apnsOutcome(failure: ApnsFailure | undefined): SendOutcome {
  if (failure === undefined) return { kind: 'sent' };
  const status = typeof failure.status === 'number' ? failure.status : Number(failure.status);
  const reason = failure.response?.reason ?? failure.error?.message ?? 'unknown';
  if (!Number.isFinite(status)) return { kind: 'retry', reason: `apns network: ${reason}` };
  const why = `apns ${status} ${reason}`;
  if (status === 410) return { kind: 'device_gone', reason: why };
  if (status === 400 && reason === 'BadDeviceToken') return { kind: 'device_gone', reason: why };
  // node-apn has signed a new provider token already: the next try carries it.
  if (status === 403 && reason === 'ExpiredProviderToken') return { kind: 'retry', reason: why };
  if (status === 429 || status === 408 || status >= 500) return { kind: 'retry', reason: why };
  // DeviceTokenNotForTopic, BadCollapseId, PayloadTooLarge, InvalidProviderToken, …: configuration or a bug; another try cannot help.
  return { kind: 'failed', reason: why };
}
