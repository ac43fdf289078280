import type { CallKind, CallLog, Outcome } from './calls.ts';
import { isErrorEnvelope } from './calls.ts';

export interface Answer {
  outcome: Outcome;
  json?: unknown;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** No internal call takes longer than the gateway's 3 s deadline: an answer later than this is a hang. */
const answerTimeoutMs = 10_000;
const bodyKeptChars = 300;

/** The public REST API as the app calls it, with every answer written to the call log. */
export class GatewayClient {
  private readonly baseUrl: string;
  private readonly log: CallLog;

  constructor(baseUrl: string, log: CallLog) {
    this.baseUrl = baseUrl;
    this.log = log;
  }

  async call(kind: CallKind, path: string, options: CallOptions = {}): Promise<Answer> {
    const startedAt = Date.now();
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(answerTimeoutMs),
      });
      const text = await response.text();
      const json = parseJson(text);
      const ok = response.status >= 200 && response.status < 300;
      this.log.add({
        kind,
        startedAt,
        endedAt: Date.now(),
        outcome: response.status,
        ...(ok ? {} : { retryAfter: response.headers.get('retry-after'), envelope: isErrorEnvelope(json), body: text.slice(0, bodyKeptChars) }),
      });
      return { outcome: response.status, json };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const outcome: Outcome = timedOut ? 'timeout' : 'network';
      this.log.add({ kind, startedAt, endedAt: Date.now(), outcome, error: cause?.code ?? cause?.message ?? (error as Error).message });
      return { outcome };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
