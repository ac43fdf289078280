import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyInstance } from 'fastify';
import {
  CompleteConnectionRequestSchema,
  HandleCalendarNotificationRequestSchema,
  HandleWhoopWebhookRequestSchema,
  HealthKitHrvSampleSchema,
  Provider,
  SampleOutcome,
} from '@omtobe/proto/integrations/v1';
import { CompleteProviderConnectionRequestSchema, ConnectProviderRequestSchema, DisconnectProviderRequestSchema, UploadHrvSamplesRequestSchema } from '@omtobe/proto/gateway/v1';
import {
  completeConnection,
  completeProviderConnection,
  connectProvider,
  disconnectProvider,
  handleCalendarNotification,
  handleWhoopWebhook,
  uploadHrvSamples,
} from '../../operations/providers.ts';
import type { RestOptions } from '../app.ts';
import { commonErrors } from './schemas.ts';

const providers = { whoop: Provider.WHOOP, 'google-calendar': Provider.GOOGLE_CALENDAR } as const;
type ProviderName = keyof typeof providers;
const providerParam = {
  type: 'object',
  required: ['provider'],
  properties: { provider: { type: 'string', enum: Object.keys(providers) } },
} as const;

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
        summary: 'Upload HealthKit SDNN samples; each gets its own answer (accepted, duplicate, rejected)',
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
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: { type: 'object', properties: { uuid: { type: 'string' }, outcome: { type: 'string' }, reason: { type: ['string', 'null'] } } },
              },
            },
          },
          ...commonErrors,
        },
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

  app.post<{ Params: { provider: ProviderName } }>(
    '/api/v1/providers/:provider/connect',
    {
      schema: {
        summary: 'Start connecting a provider: where to send the user to grant access',
        params: providerParam,
        response: { 200: { type: 'object', properties: { authorization_url: { type: 'string' } } }, ...commonErrors },
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
        summary: 'Disconnect a provider: revoke its grant and delete its tokens and data',
        params: providerParam,
        response: { 200: { type: 'object', properties: { disconnected: { type: 'boolean' } } }, ...commonErrors },
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
        summary: "OAuth callback (verified by its one-time state): keeps the grant for the user who started the flow and redirects to the app's URL (OAUTH_APP_REDIRECT_URL) with `provider` and a one-time `code` the app redeems at /complete",
        security: [],
        params: providerParam,
        querystring: {
          type: 'object',
          properties: { code: { type: 'string', maxLength: 2048 }, state: { type: 'string', maxLength: 512 }, error: { type: 'string', maxLength: 256 } },
        },
        response: { 302: { description: 'to the app, e.g. omtobe://oauth?provider=whoop&code=…', type: 'null' }, ...commonErrors },
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
        summary: 'Finish connecting a provider: redeem the one-time code the callback handed the app (only the user who started the flow can)',
        params: providerParam,
        body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 256 } } },
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, provider: { type: 'string' }, connected_at: { type: ['string', 'null'], format: 'date-time' } } },
          ...commonErrors,
        },
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
      schema: { summary: 'WHOOP webhook (verified by X-WHOOP-Signature over the raw body)', security: [] },
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
      schema: { summary: 'Google Calendar push notification (verified by its channel token)', security: [] },
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
}
