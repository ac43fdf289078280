import type http from 'node:http';
import type http2 from 'node:http2';

export type RestRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type RestResponse = http.ServerResponse | http2.Http2ServerResponse;

export function sendJson(res: RestResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })) {
    res.setHeader(name, value);
  }
  res.end(payload);
}

/** The one error envelope of the REST API: a stable machine code, a human message, optional details. */
export function sendError(res: RestResponse, status: number, code: string, message: string, details: unknown[] = []): void {
  sendJson(res, status, { error: { code, message, details } });
}
