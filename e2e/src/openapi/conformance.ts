// Every answer checked against the served OpenAPI document: its status must be one the operation declares, its
// body must match that status's schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), and every header the
// document declares for it must be present and match. A route answering something the document does not describe
// fails the test that made the request. Used as openapi-fetch middleware and for plain fetch.
import type { Middleware } from 'openapi-fetch';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface HeaderObject {
  schema: { type?: string };
}
interface ResponseObject {
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema: object }>;
}
type Operation = { responses: Record<string, ResponseObject> };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

export interface Conformance {
  /** Throws unless the answer is one the document describes for this operation; resolves to the parsed body. */
  check(method: string, url: string, response: Response): Promise<unknown>;
  /** openapi-fetch middleware: every answer of the typed client is checked. */
  middleware: Middleware;
  /** Operations answered at least once, as "METHOD /path" (with statuses). */
  seen: Map<string, Set<number>>;
  /** Every refusal so far, kept even when the caller caught it (a retrying probe): the test asserts none is left. */
  failures: string[];
}

export function conformance(document: OpenApiDocument): Conformance {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(document as object, 'openapi.json');
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const seen = new Map<string, Set<number>>();
  const failures: string[] = [];

  async function check(method: string, url: string, response: Response): Promise<unknown> {
    try {
      return await checkAnswer(method, url, response);
    } catch (error) {
      failures.push((error as Error).message);
      throw error;
    }
  }

  async function checkAnswer(method: string, url: string, response: Response): Promise<unknown> {
    const path = new URL(url).pathname;
    const found = templates.find((t) => t.pattern.test(path) && document.paths[t.template]![method.toLowerCase()]);
    const text = await response.clone().text();
    const body = text === '' ? undefined : (() => { try { return JSON.parse(text) as unknown; } catch { return text; } })();
    if (!found) return body; // no operation: the router's own 404 (not_found) for a route that does not exist
    const operationName = `${method.toUpperCase()} ${found.template}`;
    const where = `${operationName} → ${response.status}`;
    const declared = document.paths[found.template]![method.toLowerCase()]!.responses[String(response.status)];
    if (!declared) throw new Error(`${where}: the document does not declare this status (${text.slice(0, 300)})`);
    seen.set(operationName, (seen.get(operationName) ?? new Set()).add(response.status));
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      const value = response.headers.get(name);
      if (value === null) throw new Error(`${where}: the declared header ${name} is missing`);
      const typed = header.schema.type === 'integer' || header.schema.type === 'number' ? Number(value) : value;
      if (!ajv.validate(header.schema, typed)) throw new Error(`${where}: header ${name}: ${value} does not match ${JSON.stringify(header.schema)}`);
    }
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? '';
    if (!declared.content) {
      if (text !== '') throw new Error(`${where}: a body where the document declares none: ${text.slice(0, 300)}`);
      return body;
    }
    const media = declared.content[contentType];
    if (!media) throw new Error(`${where}: content type ${contentType || '(none)'} is not declared (${Object.keys(declared.content).join(', ')})`);
    if (contentType !== 'application/json') return body;
    const pointer = `openapi.json#/paths/${escape(found.template)}/${method.toLowerCase()}/responses/${response.status}/content/${escape(contentType)}/schema`;
    const validate = ajv.getSchema(pointer);
    if (!validate) throw new Error(`${where}: no schema at ${pointer}`);
    if (!validate(body)) throw new Error(`${where}: the body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 600)}`);
    return body;
  }

  const middleware: Middleware = {
    async onResponse({ request, response }) {
      // A stream never ends by itself: its status, headers and content type are the answer.
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        await check(request.method, request.url, new Response(null, { status: response.status, headers: response.headers }));
        await response.body?.cancel();
        return new Response(null, { status: response.status, headers: response.headers });
      }
      await check(request.method, request.url, response);
      return undefined;
    },
  };
  return { check, middleware, seen, failures };
}
