import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyInstance } from 'fastify';
import { HealthKitHrvSampleSchema, SampleOutcome } from '@omtobe/proto/integrations/v1';
import {
  CompleteProviderConnectionRequestSchema,
  ConnectProviderRequestSchema,
  DisconnectProviderRequestSchema,
  ListProviderConnectionsRequestSchema,
  UploadHrvSamplesRequestSchema,
} from '@omtobe/proto/gateway/v1';
import { completeProviderConnection, connectProvider, disconnectProvider, listProviderConnections, uploadHrvSamples } from '../../operations/providers.ts';
import { connectionJson, iso, providerNames as providers, type ProviderName } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody, notConfigured } from './responses.ts';
import { providerParam, ref, requiredFields } from './schemas.ts';

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

/**
 * The caller's providers, behind the bearer token: HRV upload, the connections, connect and disconnect. The
 * flow's public middle (the provider's callback) is oauth-callbacks.ts; its end, redeeming the code, is
 * providerCompletionRoutes below. Provider webhooks are webhooks.ts.
 */
export function providerRoutes(app: FastifyInstance, { deps }: RestOptions): void {
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
      const reply = await uploadHrvSamples(deps, callerOf(request), create(UploadHrvSamplesRequestSchema, { samples }));
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
      const reply = await listProviderConnections(deps, callerOf(request), create(ListProviderConnectionsRequestSchema, {}));
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
      return { authorization_url: (await connectProvider(deps, callerOf(request), req)).authorizationUrl };
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
      return { disconnected: (await disconnectProvider(deps, callerOf(request), req)).disconnected };
    },
  );
}

/** Finish connecting: the app redeems the one-time code the OAuth callback handed it. */
export function providerCompletionRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.post<{ Params: { provider: ProviderName }; Body: { code: string } }>(
    '/api/v1/providers/:provider/complete',
    {
      schema: {
        operationId: 'completeProviderConnection',
        tags: ['providers'],
        summary: 'Finish connecting a provider: redeem the one-time code the callback handed the app',
        description: 'Only the user who started the flow can redeem the code, once.',
        params: providerParam,
        body: requiredFields({ code: { type: 'string', minLength: 1, maxLength: 256 } }),
        response: answers({
          success: { 200: ref('ProviderConnected') },
          errors: { ...authenticated, ...jsonBody, 403: 'invalid_code: an unknown or already used code.', 404: true, 409: 'code_expired: connect again.', 422: true },
        }),
      },
    },
    async (request) => {
      const req = create(CompleteProviderConnectionRequestSchema, { provider: providers[request.params.provider], code: request.body.code });
      const done = await completeProviderConnection(deps, callerOf(request), req);
      return { status: 'connected', provider: request.params.provider, connected_at: iso(done.connectedAt) };
    },
  );
}
