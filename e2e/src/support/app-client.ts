// The app as the end-to-end tests drive it: HTTP to the gateway with a development token, JSON both ways.
import { eventually } from '@omtobe/testing';

export type Json = Record<string, unknown>;

export class AppClient {
  private readonly baseUrl: string;
  private token = '';

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /** The bearer token of the last login (for clients beside this one: the live stream). */
  get accessToken(): string {
    return this.token;
  }

  /** A token from elsewhere (an identity provider's; a forged one): sent from now on instead of a development login's. */
  useToken(token: string): void {
    this.token = token;
  }

  async login(userId: string): Promise<void> {
    const reply = await this.send('POST', '/api/v1/dev/token', { user_id: userId });
    this.token = reply.body.access_token as string;
  }

  /** One request; like the app, it honours a 503 `registration_in_progress` by retrying after Retry-After (a few times). */
  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
    for (let attempt = 1; ; attempt += 1) {
      const reply = await this.sendOnce(method, path, body, headers);
      if (reply.status !== 503 || (reply.body.error as Json | undefined)?.code !== 'registration_in_progress' || attempt === 20) return reply;
      await new Promise((resolve) => setTimeout(resolve, 100 * Number(reply.retryAfter ?? 1)));
    }
  }

  private async sendOnce(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Json; retryAfter: string | null }> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, retryAfter: response.headers.get('retry-after') };
  }

  /**
   * Polls a route until its answer satisfies `holds`. `/state/check` is limited per user (120 a minute by default,
   * RATE_LIMIT_CHECK_PER_MINUTE), so polls come no faster than the limit allows (one every 500 ms): a brake that
   * is slow to show cannot use the user's budget up. A refused or failed request (a 429 all the same) is retried
   * until the deadline, and the last error reported.
   */
  async until(method: string, path: string, holds: (body: Json) => boolean, { perMinute = 120, timeoutMs = 20_000 } = {}): Promise<Json> {
    return eventually(() => this.ok(method, path), holds, { timeoutMs, intervalMs: Math.ceil(60_000 / perMinute) });
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Json> {
    const reply = await this.send(method, path, body, headers);
    if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
}
