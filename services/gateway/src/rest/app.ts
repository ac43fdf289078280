import http from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { UnavailableError } from '@omtobe/platform';
import { createUserRateLimits } from '../limits/rate-limiter.ts';
import { frameworkHttpError, toHttpError, type HttpError } from './errors.ts';
import { openapiDocument } from './openapi.ts';
import type { RestOptions } from './options.ts';
import { registerRoutes } from './routes/index.ts';
import { calendarSchemas } from './routes/calendar.ts';
import { sharedSchemas } from './routes/schemas.ts';

/** The REST API as a request handler for the platform server's non-RPC requests. */
export async function createRestApp(options: RestOptions): Promise<{ app: FastifyInstance; handle: http.RequestListener }> {
  let handle: http.RequestListener | undefined;
  const app = Fastify({
    // The platform server owns the port (Connect, gRPC and this API on one listener): fastify only routes.
    serverFactory: (handler) => {
      handle = handler;
      return http.createServer();
    },
    bodyLimit: options.bodyLimitBytes,
    logger: false,
    // Behind exactly one proxy (Envoy, which overwrites X-Forwarded-For): the client is the address it saw.
    trustProxy: (_address: string, hop: number) => hop === 0,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    // Errors the router raises before any hook would otherwise answer in fastify's own shape.
    frameworkErrors: (error, _request, reply) => sendError(reply, frameworkHttpError(error, options.deps.logger)),
    // Its own closing answer is not our envelope either: the onRequest hook below answers instead.
    return503OnClosing: false,
  });
  const logFor = (request: FastifyRequest) => options.deps.logger.child({ route: request.routeOptions?.url });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => sendError(reply, toHttpError(error, logFor(request))));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}`, details: [] } }),
  );

  await app.register(cors, { origin: options.corsOrigins && options.corsOrigins.length > 0 ? [...options.corsOrigins] : false });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler', // after authentication, so a user's limit follows the user across addresses
    cache: options.rateLimitTrackedClients,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`rate limit exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
  });
  for (const schema of [...sharedSchemas, ...calendarSchemas]) app.addSchema(schema);
  await app.register(swagger, { openapi: openapiDocument(options.devIssuer !== undefined), refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) } });

  // One line per request (route template, status, duration; never bodies, tokens or ids): debug for
  // answers, warn for server errors, so production logs stay quiet until something goes wrong.
  app.addHook('onResponse', async (request, reply) => {
    const fields = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) options.deps.logger.warn(fields, 'request failed');
    else options.deps.logger.debug(fields, 'request');
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const hangUp = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) hangUp.abort(new Error('the client closed the request'));
    });
    request.hangUp = hangUp.signal;
    // Closing only follows the listener's drain, so this is a request that slipped in: another replica serves it.
    if (closing) throw new UnavailableError('the gateway is shutting down; retry', { reason: 'dependency_unavailable:gateway' });
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    request.userId = await options.verify(request.headers.authorization);
  });

  const limits = options.limits ?? createUserRateLimits({ checkPerMinute: options.checkPerMinute, trackedClients: options.rateLimitTrackedClients });
  await registerRoutes(app, { ...options, limits });
  await app.ready();
  return { app, handle: handle! };
}

// Fixed texts: a header never carries a message that came from elsewhere.
const bearerChallenge: Record<string, string> = {
  missing_token: 'Bearer realm="omtobe"',
  invalid_token: 'Bearer realm="omtobe", error="invalid_token"',
  expired_token: 'Bearer realm="omtobe", error="invalid_token", error_description="the token has expired"',
};

/**
 * Every error answer of the REST API: the status and the one envelope, with Retry-After where retrying helps
 * and the bearer challenge on 401 (RFC 6750 §3: no error attribute when no token was sent).
 */
function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  if (e.status === 401) reply.header('www-authenticate', bearerChallenge[e.code] ?? bearerChallenge.invalid_token!);
  if (e.status === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
  if (e.status === 503) reply.header('retry-after', e.code === 'registration_in_progress' ? '1' : '5');
  return reply.status(e.status).send({ error: { code: e.code, message: e.message, details: e.details } });
}
