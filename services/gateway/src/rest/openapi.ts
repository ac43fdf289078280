// The top of the OpenAPI document GET /api/v1/openapi.json serves; the operations come from the routes' schemas
// (routes/*.ts), the named schemas from routes/schemas.ts. Nothing here depends on configuration, so every
// replica of a mode serves the same document and a client generated from it stays valid.

import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';

const description = `The mobile app’s API: the brake, the 7-day cycle and its records.

Every request but the public ones (health, this document, OAuth callbacks, provider webhooks) carries
\`Authorization: Bearer <JWT>\`; the user is always the token’s subject, never a parameter. Bodies are JSON with
snake_case fields; every time is UTC ISO-8601 with \`Z\`. Every field of an answer is always present (null when it
has no value). Errors are one envelope, \`{ "error": { "code", "message", "details" } }\`, with a stable \`code\`.

**Unknown and erased users.** Until the caller has registered with \`POST /api/v1/users\` — and from the moment
\`DELETE /api/v1/me\` answers 202 — every operation about the caller answers 404 \`user_not_registered\`, reads
included. Right after a registration the services behind the gateway may not know the user yet: such answers
are 503 \`registration_in_progress\` with \`Retry-After: 1\`.

**Retries.** 429 and 503 carry \`Retry-After\` (seconds). \`POST /api/v1/decisions\` and \`POST /api/v1/reflections\`
take an \`Idempotency-Key\`: a retry with the same key answers what the first request answered and records once.

\`npm start\` serves development mode at http://localhost:8080, with the \`development\` routes. The same operations are served over Connect, gRPC and gRPC-Web (\`omtobe.gateway.v1.GatewayService\`, proto/).`;

/** The document's top; development mode's routes come with a tag of their own. */
export const openapiDocument = (development: boolean): FastifyDynamicSwaggerOptions['openapi'] => ({
  openapi: '3.1.0',
  info: {
    title: 'Omtobe API',
    version: '1.0.0',
    description,
    contact: { name: 'Omtobe backend team', url: 'https://omtobe.example/developers', email: 'api@omtobe.example' },
    license: { name: 'Proprietary', identifier: 'LicenseRef-Omtobe-Proprietary' },
  },
  servers: [
    { url: 'https://api.omtobe.example', description: 'production' },
    { url: 'https://api.staging.omtobe.example', description: 'staging' },
  ],
  tags: [
    { name: 'platform', description: 'Health and this document (public).' },
    { name: 'users', description: 'The caller’s profile, data export and erasure.' },
    { name: 'cycle', description: 'The brake, the 7-day cycle and the two answers the app records.' },
    { name: 'stream', description: 'The caller’s state as Server-Sent Events.' },
    { name: 'history', description: 'The caller’s logged decisions and reflections.' },
    { name: 'providers', description: 'HealthKit uploads and provider connections (WHOOP, Google Calendar, Microsoft 365).' },
    { name: 'webhooks', description: 'Provider notifications (public, verified by signature, channel token or clientState).' },
    { name: 'devices', description: 'The caller’s phones, registered for pushes.' },
    ...(development ? [{ name: 'development', description: 'Development mode only: absent from a production server’s document and routes.' }] : []),
  ],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the identity provider; `sub` is the user id.' },
    },
  },
  security: [{ bearer: [] }],
});
