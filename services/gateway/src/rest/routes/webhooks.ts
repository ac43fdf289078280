import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { HandleCalendarNotificationRequestSchema, HandleGraphNotificationRequestSchema, HandleWhoopWebhookRequestSchema } from '@omtobe/proto/integrations/v1';
import { handleCalendarNotification, handleGraphNotification, handleWhoopWebhook } from '../../operations/providers.ts';
import type { RestOptions } from '../options.ts';
import { answers, jsonBody, notConfigured, type ErrorStatus } from './responses.ts';

const webhookErrors: Partial<Record<ErrorStatus, string | true>> = {
  ...jsonBody,
  403: 'The signature (or channel token) does not verify.',
  409: notConfigured,
  422: 'invalid_body: not a delivery of this provider.',
  429: true,
};

/**
 * Provider webhooks: called by WHOOP, Google and Microsoft Graph, not by the app, so public (no bearer token).
 * Integrations verifies each delivery (a signature over the raw body, a channel token, Graph's clientState).
 */
export function webhookRoutes(app: FastifyInstance, { deps, anonymousPerMinute }: RestOptions): void {
  // Fresh objects per route: fastify and its plugins keep (and may decorate) a route's config and schema.
  const config = () => ({ public: true, rateLimit: { max: anonymousPerMinute * 10, timeWindow: '1 minute' } });
  const accepted = (operationId: string, summary: string, description: string) => ({
    config: config(),
    schema: {
      operationId,
      tags: ['webhooks'],
      summary,
      description,
      security: [],
      response: answers({ success: { 204: { type: 'null', description: 'Accepted.' } }, errors: webhookErrors, rateLimited: true }),
    },
  });

  app.post(
    '/api/v1/webhooks/whoop',
    accepted(
      'handleWhoopWebhook',
      'WHOOP webhook (verified by X-WHOOP-Signature over the raw body)',
      'Called by WHOOP, not by the app: a recovery to fetch for a connected user. Deliveries are deduplicated.',
    ),
    async (request, reply) => {
      await handleWhoopWebhook(
        deps,
        create(HandleWhoopWebhookRequestSchema, {
          body: request.rawBody ?? Buffer.alloc(0),
          signature: String(request.headers['x-whoop-signature'] ?? ''),
          signatureTimestamp: String(request.headers['x-whoop-signature-timestamp'] ?? ''),
        }),
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/webhooks/google-calendar',
    accepted(
      'handleGoogleCalendarNotification',
      'Google Calendar push notification (verified by its channel token)',
      'Called by Google, not by the app: the calendar of a connected user changed (X-Goog-* headers).',
    ),
    async (request, reply) => {
      const header = (name: string) => String(request.headers[name] ?? '');
      await handleCalendarNotification(
        deps,
        create(HandleCalendarNotificationRequestSchema, {
          channelId: header('x-goog-channel-id'),
          channelToken: header('x-goog-channel-token'),
          resourceId: header('x-goog-resource-id'),
          resourceState: header('x-goog-resource-state'),
          messageNumber: header('x-goog-message-number'),
        }),
      );
      return reply.status(204).send();
    },
  );

  // Graph posts its validation handshake as text/plain (empty body) and notifications as JSON: in this route's own
  // scope, text/plain is taken as raw bytes too, and the raw body goes to integrations either way.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('text/plain');
    scope.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body, done) => {
      request.rawBody = body as Buffer;
      done(null, undefined);
    });
    scope.post<{ Querystring: { validationToken?: string } }>(
      '/api/v1/webhooks/microsoft',
      {
        config: config(),
        schema: {
          operationId: 'handleMicrosoftGraphNotification',
          tags: ['webhooks'],
          summary: 'Microsoft Graph change and lifecycle notifications (verified by clientState), and its validation handshake',
          description:
            'Called by Microsoft Graph, not by the app. With `validationToken` (on creating a subscription) the answer is 200 text/plain with the ' +
            'token as sent; otherwise the body is a JSON `{ value: [...] }` of notifications, each carrying the clientState of its subscription: ' +
            'one that does not match refuses the delivery (403), the others ask for a sync of their user (202).',
          security: [],
          querystring: {
            type: 'object',
            properties: { validationToken: { type: 'string', maxLength: 1024, description: 'Graph’s validation handshake token' } },
          },
          response: answers({
            success: {
              200: { description: 'The validation handshake: the token, as sent.', content: { 'text/plain': { schema: { type: 'string' } } } },
              202: { type: 'null', description: 'Notifications accepted.' },
            },
            errors: {
              ...jsonBody,
              403: 'invalid_client_state: a notification’s clientState does not match its subscription.',
              409: notConfigured,
              422: 'invalid_notification or invalid_validation_token: not a delivery of Microsoft Graph.',
              429: true,
            },
            rateLimited: true,
          }),
        },
      },
      async (request, reply) => {
        const answer = await handleGraphNotification(
          deps,
          create(HandleGraphNotificationRequestSchema, { validationToken: request.query.validationToken ?? '', body: request.rawBody ?? Buffer.alloc(0) }),
        );
        // 200 (the handshake: the token, as text/plain) or 202 (notifications, no body): as integrations answered.
        if (answer.status === 200) return reply.status(200).header('content-type', answer.contentType).send(answer.body);
        return reply.status(202).send();
      },
    );
  });
}
