import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * Both Microsoft libraries send their requests with the global fetch, which trusts the system's CAs only (Node
 * reads NODE_EXTRA_CA_CERTS at start, never later). With a CA configured (MICROSOFT_CA_FILE: the tests' fake, a
 * private proxy), their requests go through node:https with that CA instead: msal-node through its documented
 * `system.networkClient`, the Graph client through the last middleware of its chain. Without one, both keep
 * their own transport.
 */
const REQUEST_TIMEOUT_MS = 30_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function send(url: string, init: { method: string; headers: Record<string, string>; body?: string | Buffer }, ca: string, timeoutMs?: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method, headers: init.headers, ca, timeout: timeoutMs ?? REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${new URL(url).host} timed out`)));
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** msal-node's network client over node:https trusting `ca` (answers are JSON, as msal's own client expects). */
export function caTrustingMsalNetwork(ca: string): INetworkModule {
  const call = async <T>(method: string, url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    const raw = await send(url, { method, headers: options?.headers ?? {}, ...(method === 'POST' ? { body: options?.body ?? '' } : {}) }, ca, timeout);
    return { status: raw.status, headers: raw.headers, body: JSON.parse(raw.body.toString('utf8') || '{}') as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => call('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => call('POST', url, options),
  };
}

/** The Graph client's last middleware (in place of HTTPMessageHandler): sends the request over node:https trusting `ca`. */
export class CaTrustingHttpHandler implements Middleware {
  private readonly ca: string;

  constructor(ca: string) {
    this.ca = ca;
  }

  async execute(context: Context): Promise<void> {
    const request = context.request;
    const url = typeof request === 'string' ? request : request.url;
    const options = context.options ?? {};
    const headers: Record<string, string> = {};
    new Headers((options.headers ?? {}) as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => {
      headers[name] = value;
    });
    const body = options.body;
    const raw = await send(url, { method: options.method ?? 'GET', headers, ...(typeof body === 'string' || Buffer.isBuffer(body) ? { body } : {}) }, this.ca);
    const empty = raw.status === 204 || raw.status === 304;
    context.response = new Response(empty ? null : new Uint8Array(raw.body), { status: raw.status, headers: raw.headers });
  }
}
