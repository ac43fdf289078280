import { describe, expect, it } from '@jest/globals';
import { conformance, type OpenApiDocument } from './conformance.ts';

// The checker the contract test relies on: what it lets through and, above all, what it refuses.
const document = {
  openapi: '3.1.0',
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          200: { description: 'a thing', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          202: { description: 'accepted, no body' },
          204: { description: 'nothing' },
          429: { description: 'slow down', headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } }, content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: { type: 'object', additionalProperties: false, required: ['id', 'at'], properties: { id: { type: 'string' }, at: { type: ['string', 'null'], format: 'date-time' } } },
    },
  },
} as unknown as OpenApiDocument;

const url = 'http://gateway/things/7';
const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: body === undefined ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers } });

describe('conformance to the OpenAPI document', () => {
  const { check, failures } = conformance(document);

  it('passes answers the document describes', async () => {
    await expect(check('GET', url, answer(200, { id: '7', at: '2026-11-30T12:00:00.000Z' }))).resolves.toEqual({ id: '7', at: '2026-11-30T12:00:00.000Z' });
    await expect(check('GET', url, answer(200, { id: '7', at: null }))).resolves.toBeDefined();
    await expect(check('GET', url, answer(204))).resolves.toBeUndefined();
    await expect(check('GET', url, answer(429, {}, { 'retry-after': '3' }))).resolves.toEqual({});
    // No operation (the router's own 404 for a path that does not exist): nothing to hold it to.
    await expect(check('GET', 'http://gateway/nowhere', answer(404, { error: {} }))).resolves.toEqual({ error: {} });
  });

  it.each([
    ['an undeclared status', answer(500, { error: 'x' }), /does not declare this status/],
    ['a missing field', answer(200, { id: '7' }), /does not match the document/],
    ['a field the document does not name', answer(200, { id: '7', at: null, extra: 1 }), /does not match the document/],
    ['a value of another format', answer(200, { id: '7', at: 'yesterday' }), /does not match the document/],
    ['a body where none is declared', answer(202, { id: '7' }), /a body where the document declares none/],
    ['an undeclared content type', new Response('<html/>', { status: 200, headers: { 'content-type': 'text/html' } }), /content type text\/html is not declared/],
    ['a declared header missing', answer(429, {}), /the declared header Retry-After is missing/],
    ['a declared header of another type', answer(429, {}, { 'retry-after': 'soon' }), /header Retry-After: soon does not match/],
  ])('refuses %s', async (_name, response, message) => {
    await expect(check('GET', url, response)).rejects.toThrow(message);
    expect(failures.splice(0)).toEqual([expect.stringMatching(message)]); // kept for a caller that caught it
  });
});
