import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { CompleteConnectionRequestSchema } from '@omtobe/proto/integrations/v1';
import { completeConnection } from '../../operations/providers.ts';
import { providerNames as providers, type ProviderName } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { answers } from './responses.ts';
import { providerParam } from './schemas.ts';

/**
 * The OAuth callback a provider's authorization page sends the user back to: public (no bearer token; the browser
 * carries none), verified by the one-time `state` the connect route handed out, limited per address.
 */
export function oauthCallbackRoutes(app: FastifyInstance, { deps, anonymousPerMinute }: RestOptions): void {
  const anonymous = { max: anonymousPerMinute, timeWindow: '1 minute' };

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
}
