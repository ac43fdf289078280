import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyInstance } from 'fastify';
import {
  CompleteConnectionRequestSchema,
  HandleCalendarNotificationRequestSchema,
  HandleGraphNotificationRequestSchema,
  HandleWhoopWebhookRequestSchema,
  HealthKitHrvSampleSchema,
  SampleOutcome,
} from '@omtobe/proto/integrations/v1';
import {
  CompleteProviderConnectionRequestSchema,
  ConnectProviderRequestSchema,
  DisconnectProviderRequestSchema,
  ListProviderConnectionsRequestSchema,
  UploadHrvSamplesRequestSchema,
} from '@omtobe/proto/gateway/v1';
import {
  completeConnection,
  completeProviderConnection,
  connectProvider,
  disconnectProvider,
  handleCalendarNotification,
  handleGraphNotification,
  handleWhoopWebhook,
  listProviderConnections,
  uploadHrvSamples,
} from '../../operations/providers.ts';
import type { RestOptions } from '../app.ts';
import { connectionJson, providerNames as providers } from '../json.ts';
import { answers, authenticated, jsonBody, type ErrorStatus } from './responses.ts';
import { ref } from './schemas.ts';

type ProviderName = keyof typeof providers;
const providerParam = {
  type: 'object',
  required: ['provider'],
  properties: { provider: ref('Provider') },
} as const;

const notConfigured = 'provider_not_configured: the provider is not configured on this server.';
const webhookErrors: Partial<Record<ErrorStatus, string | true>> = {
  ...jsonBody,
  403: 'The signature (or channel token) does not verify.',
  409: notConfigured,
  422: 'invalid_body: not a delivery of this provider.',
  429: true,
};

interface SampleBody {
  uuid: string;
  start: string;
  end: string;
  value: number;
  unit: string;
  source_device?: string;
}

const outcomeNames: Record<SampleOutcome, string> = {
  [SampleOutcome.UNSPECIFIED]: 'unspecified',
  [SampleOutcome.ACCEPTED]: 'accepted',
  [SampleOutcome.DUPLICATE]: 'duplicate',
  [SampleOutcome.REJECTED]: 'rejected',
};

/** HRV upload, provider connections (connect, callback → app, complete), and provider webhooks. */
export function providerRoutes(app: FastifyInstance, { deps, anonymousPerMinute }: RestOptions): void {
  const anonymous = { max: anonymousPerMinute, timeWindow: '1 minute' };

  app.post<{ Body: { samples: SampleBody[] } }>(
    '/api/v1/hrv/samples',
    {
      schema: {
        operationId: 'uploadHrvSamples',
        tags: ['providers'],
        summary: 'Upload HealthKit SDNN samples; each gets its own answer (accepted, duplicate, rejected)',
        description:
          'Up to 500 HKQuantityTypeIdentifierHeartRateVariabilitySDNN samples in milliseconds. A sample uploaded again is a duplicate ' +
          '(nothing changes; the app may move its anchor on); one refused (e.g. a value out of range) is rejected with its reason; ' +
          'the others are accepted and reach the brake within about a second.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['samples'],
          properties: {
            samples: {
              type: 'array',
              minItems: 1,
              maxItems: 500,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['uuid', 'start', 'end', 'value', 'unit'],
                properties: {
                  uuid: { type: 'string', minLength: 1, maxLength: 64 },
                  start: { type: 'string', format: 'date-time' },
                  end: { type: 'string', format: 'date-time' },
                  value: { type: 'number' },
                  unit: { type: 'string', maxLength: 16 },
                  source_device: { type: 'string', maxLength: 128 },
                },
              },
            },
          },
        },
        response: answers({ success: { 200: ref('SampleResults') }, errors: { ...authenticated, ...jsonBody, 404: true, 422: 'batch_too_large.' } }),
      },
    },
    async (request) => {
      const samples = request.body.samples.map((s) =>
        create(HealthKitHrvSampleSchema, {
          uuid: s.uuid,
          start: timestampFromDate(new Date(s.start)),
          end: timestampFromDate(new Date(s.end)),
          value: s.value,
          unit: s.unit,
          sourceDevice: s.source_device ?? '',
        }),
      );
      const reply = await uploadHrvSamples(deps, { userId: request.userId, signal: request.hangUp }, create(UploadHrvSamplesRequestSchema, { samples }));
      return { results: reply.results.map((r) => ({ uuid: r.uuid, outcome: outcomeNames[r.outcome], reason: r.reason || null })) };
    },
  );

  app.get(
    '/api/v1/providers',
    {
      schema: {
        operationId: 'listProviderConnections',
        tags: ['providers'],
        summary: 'The caller’s provider connections, and whether each still syncs',
        description:
          '`reauth_required`: the provider no longer honours the grant (revoked or expired there, or a refresh whose answer was lost), so ' +
          'nothing syncs until the caller connects again with POST /api/v1/providers/{provider}/connect. Never carries tokens.',
        response: answers({ success: { 200: ref('ConnectionList') }, errors: { ...authenticated, 404: true } }),
      },
    },
    async (request) => {
      const reply = await listProviderConnections(deps, { userId: request.userId, signal: request.hangUp }, create(ListProviderConnectionsRequestSchema, {}));
      return { connections: reply.connections.map(connectionJson) };
    },
  );

  app.post<{ Params: { provider: ProviderName } }>(
    '/api/v1/providers/:provider/connect',
    {
      schema: {
        operationId: 'connectProvider',
        tags: ['providers'],
        summary: 'Start connecting a provider: where to send the user to grant access',
        description:
          'Open `authorization_url` in a browser; the provider sends the user back to GET /api/v1/providers/{provider}/callback, which ' +
          'redirects to the app with a one-time code for POST /api/v1/providers/{provider}/complete.',
        params: providerParam,
        response: answers({ success: { 200: ref('ProviderAuthorization') }, errors: { ...authenticated, ...jsonBody, 404: true, 409: notConfigured, 422: true } }),
      },
    },
    async (request) => {
      const req = create(ConnectProviderRequestSchema, { provider: providers[request.params.provider] });
      return { authorization_url: (await connectProvider(deps, { userId: request.userId, signal: request.hangUp }, req)).authorizationUrl };
    },
  );

  app.delete<{ Params: { provider: ProviderName } }>(
    '/api/v1/providers/:provider',
    {
      schema: {
        operationId: 'disconnectProvider',
        tags: ['providers'],
        summary: 'Disconnect a provider: revoke its grant and delete its tokens and data',
        description: 'Idempotent: `disconnected` is false when the provider was not connected.',
        params: providerParam,
        response: answers({ success: { 200: ref('ProviderDisconnected') }, errors: { ...authenticated, ...jsonBody, 404: true, 409: notConfigured, 422: true } }),
      },
    },
    async (request) => {
      const req = create(DisconnectProviderRequestSchema, { provider: providers[request.params.provider] });
      return { disconnected: (await disconnectProvider(deps, { userId: request.userId, signal: request.hangUp }, req)).disconnected };
    },
  );

  app.get<{ Params: { provider: ProviderName }; Querystring: { code?: string; state?: string; error?: string } }>(
    '/api/v1/providers/:provider/callback',
    {
      config: { public: true, rateLimit: anonymous },
      schema: {
        operationId: 'providerCallback',
        tags: ['providers'],
        summary: 'OAuth callback: keeps the grant and redirects to the app',
        description:
          "Called by the provider's authorization page, not by the app. Verified by its one-time `state`: keeps the grant for the user " +
          "who started the flow and redirects (302) to the app's URL (OAUTH_APP_REDIRECT_URL) with `provider` and a one-time `code` the " +
          'app redeems at /complete. Never cached.',
        security: [],
        params: providerParam,
        querystring: {
          type: 'object',
          properties: { code: { type: 'string', maxLength: 2048 }, state: { type: 'string', maxLength: 512 }, error: { type: 'string', maxLength: 256 } },
        },
        response: answers({
          success: {
            302: {
              description: 'To the app, e.g. omtobe://oauth?provider=whoop&code=…',
              type: 'null',
              headers: { Location: { type: 'string', description: 'the app’s URL with provider and code' } },
            },
          },
          errors: {
            400: true,
            403: 'invalid_state: an unknown or already used state.',
            404: 'user_not_registered: the user who started the flow is gone.',
            409: 'state_expired, authorization_denied, code_rejected or provider_not_configured: start again.',
            422: 'missing_state or missing_code.',
            429: true,
            503: 'provider_unavailable (the provider does not answer) or dependency_unavailable: retry after Retry-After seconds.',
          },
          rateLimited: true,
        }),
      },
    },
    async (request, reply) => {
      const done = await completeConnection(
        deps,
        create(CompleteConnectionRequestSchema, {
          provider: providers[request.params.provider],
          code: request.query.code ?? '',
          state: request.query.state ?? '',
          error: request.query.error ?? '',
        }),
      );
      // Never cached: the location carries a one-time code.
      return reply.header('cache-control', 'no-store').redirect(done.appRedirectUrl, 302);
    },
  );

  app.post<{ Params: { provider: ProviderName }; Body: { code: string } }>(
    '/api/v1/providers/:provider/complete',
    {
      schema: {
        operationId: 'completeProviderConnection',
        tags: ['providers'],
        summary: 'Finish connecting a provider: redeem the one-time code the callback handed the app',
        description: 'Only the user who started the flow can redeem the code, once.',
        params: providerParam,
        body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 256 } } },
        response: answers({
          success: { 200: ref('ProviderConnected') },
          errors: { ...authenticated, ...jsonBody, 403: 'invalid_code: an unknown or already used code.', 404: true, 409: 'code_expired: connect again.', 422: true },
        }),
      },
    },
    async (request) => {
      const req = create(CompleteProviderConnectionRequestSchema, { provider: providers[request.params.provider], code: request.body.code });
      const done = await completeProviderConnection(deps, { userId: request.userId, signal: request.hangUp }, req);
      return { status: 'connected', provider: request.params.provider, connected_at: done.connectedAt ? timestampDate(done.connectedAt).toISOString() : null };
    },
  );

  app.post(
    '/api/v1/webhooks/whoop',
    {
      config: { public: true, rateLimit: { max: anonymousPerMinute * 10, timeWindow: '1 minute' } },
      schema: {
        operationId: 'handleWhoopWebhook',
        tags: ['webhooks'],
        summary: 'WHOOP webhook (verified by X-WHOOP-Signature over the raw body)',
        description: 'Called by WHOOP, not by the app: a recovery to fetch for a connected user. Deliveries are deduplicated.',
        security: [],
        response: answers({ success: { 204: { type: 'null', description: 'Accepted.' } }, errors: webhookErrors, rateLimited: true }),
      },
    },
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
    {
      config: { public: true, rateLimit: { max: anonymousPerMinute * 10, timeWindow: '1 minute' } },
      schema: {
        operationId: 'handleGoogleCalendarNotification',
        tags: ['webhooks'],
        summary: 'Google Calendar push notification (verified by its channel token)',
        description: 'Called by Google, not by the app: the calendar of a connected user changed (X-Goog-* headers).',
        security: [],
        response: answers({ success: { 204: { type: 'null', description: 'Accepted.' } }, errors: webhookErrors, rateLimited: true }),
      },
    },
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
        config: { public: true, rateLimit: { max: anonymousPerMinute * 10, timeWindow: '1 minute' } },
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
