import { parseRetryAfter } from '../../domain/rate-limit.ts';
import type { SendOutcome } from '../../domain/push-outcome.ts';

interface FcmErrorBody {
  error?: {
    code?: number;
    status?: string;
    message?: string;
    details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string }> }>;
  };
}

/** A gaxios error as googleapis throws it (status, headers and the JSON body of FCM's answer). */
interface GaxiosLike {
  status?: number;
  code?: string;
  message?: string;
  response?: { status?: number; headers?: Headers | Record<string, string>; data?: unknown };
}

function header(headers: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/**
 * FCM's ErrorCode rules (firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode): UNREGISTERED, or
 * INVALID_ARGUMENT about the token, drops the device; QUOTA_EXCEEDED (429), UNAVAILABLE (503) and INTERNAL (500)
 * retry, after Retry-After when given; SENDER_ID_MISMATCH and other refusals are final.
 */
export function fcmOutcome(error: unknown, now: Date): SendOutcome {
  const e = error as GaxiosLike;
  const status = e.response?.status ?? e.status;
  if (status === undefined) return { kind: 'retry', reason: `fcm network: ${e.code ?? e.message ?? 'unknown'}` };
  const body = (e.response?.data ?? {}) as FcmErrorBody;
  const details = body.error?.details ?? [];
  const code = details.find((d) => d.errorCode)?.errorCode ?? body.error?.status ?? String(status);
  const why = `fcm ${status} ${code}`;
  if (status === 404 || code === 'UNREGISTERED') return { kind: 'device_gone', reason: why };
  if (status === 400 && code === 'INVALID_ARGUMENT') {
    const aboutToken =
      details.some((d) => d.fieldViolations?.some((v) => v.field === 'message.token')) || /registration token/i.test(body.error?.message ?? '');
    return aboutToken ? { kind: 'device_gone', reason: why } : { kind: 'failed', reason: why };
  }
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(header(e.response?.headers, 'retry-after'), now);
    return { kind: 'retry', reason: why, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // 401 with a refreshable service account is retried by the library itself; what reaches here is final.
  return { kind: 'failed', reason: why };
}
