import { create } from '@bufbuild/protobuf';
import {
  ConnectProviderResponseSchema,
  DisconnectProviderResponseSchema,
  UploadHrvSamplesResponseSchema,
  type ConnectProviderRequest,
  type ConnectProviderResponse,
  type DisconnectProviderRequest,
  type DisconnectProviderResponse,
  type UploadHrvSamplesRequest,
  type UploadHrvSamplesResponse,
} from '@omtobe/proto/gateway/v1';
import type {
  CompleteConnectionRequest,
  CompleteConnectionResponse,
  HandleCalendarNotificationRequest,
  HandleCalendarNotificationResponse,
  HandleWhoopWebhookRequest,
  HandleWhoopWebhookResponse,
} from '@omtobe/proto/integrations/v1';
import { callPeer } from '../peers/call.ts';
import type { Caller, GatewayDeps } from './context.ts';
import { forRegisteredUser } from './registered-user.ts';

/** POST /hrv/samples: a HealthKit batch, answered per sample. */
export async function uploadHrvSamples(deps: GatewayDeps, caller: Caller, req: UploadHrvSamplesRequest): Promise<UploadHrvSamplesResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.uploadHrvSamples({ userId: caller.userId, samples: req.samples }, options));
  return create(UploadHrvSamplesResponseSchema, { results: reply.results });
}

/** POST /providers/{provider}/connect: where to send the user to grant access. */
export async function connectProvider(deps: GatewayDeps, caller: Caller, req: ConnectProviderRequest): Promise<ConnectProviderResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.startConnection({ userId: caller.userId, provider: req.provider }, options));
  return create(ConnectProviderResponseSchema, { authorizationUrl: reply.authorizationUrl });
}

/** DELETE /providers/{provider}. */
export async function disconnectProvider(deps: GatewayDeps, caller: Caller, req: DisconnectProviderRequest): Promise<DisconnectProviderResponse> {
  const reply = await callPeer('integrations', (options) => deps.peers.integrations.disconnect({ userId: caller.userId, provider: req.provider }, options), caller.signal);
  return create(DisconnectProviderResponseSchema, { disconnected: reply.disconnected });
}

// Unauthenticated by design: integrations verifies the OAuth `state`, the webhook signature or the channel token.

/** GET /providers/{provider}/callback. */
export function completeConnection(deps: GatewayDeps, req: CompleteConnectionRequest): Promise<CompleteConnectionResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.completeConnection(req, options));
}

/** POST /webhooks/whoop: the raw body travels as bytes, so the signature can be checked over it. */
export function handleWhoopWebhook(deps: GatewayDeps, req: HandleWhoopWebhookRequest): Promise<HandleWhoopWebhookResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.handleWhoopWebhook(req, options));
}

/** POST /webhooks/google-calendar. */
export function handleCalendarNotification(deps: GatewayDeps, req: HandleCalendarNotificationRequest): Promise<HandleCalendarNotificationResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.handleCalendarNotification(req, options));
}
