import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '@omtobe/platform';
import {
  CompleteProviderConnectionResponseSchema,
  ConnectProviderResponseSchema,
  DisconnectProviderResponseSchema,
  ListProviderConnectionsResponseSchema,
  UploadHrvSamplesResponseSchema,
  type CompleteProviderConnectionRequest,
  type CompleteProviderConnectionResponse,
  type ConnectProviderRequest,
  type ConnectProviderResponse,
  type DisconnectProviderRequest,
  type DisconnectProviderResponse,
  type ListProviderConnectionsRequest,
  type ListProviderConnectionsResponse,
  type UploadHrvSamplesRequest,
  type UploadHrvSamplesResponse,
} from '@omtobe/proto/gateway/v1';
import type {
  CompleteConnectionRequest,
  CompleteConnectionResponse,
  HandleCalendarNotificationRequest,
  HandleCalendarNotificationResponse,
  HandleGraphNotificationRequest,
  HandleGraphNotificationResponse,
  HandleWhoopWebhookRequest,
  HandleWhoopWebhookResponse,
} from '@omtobe/proto/integrations/v1';
import { callPeer } from '../peers/call.ts';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { forRegisteredUser, isUnknownUser, userNotRegistered } from './registered-user.ts';

/** POST /hrv/samples: a HealthKit batch, answered per sample. */
export async function uploadHrvSamples(deps: Deps, caller: Caller, req: UploadHrvSamplesRequest): Promise<UploadHrvSamplesResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.uploadHrvSamples({ userId: caller.userId, samples: req.samples }, options));
  return create(UploadHrvSamplesResponseSchema, { results: reply.results });
}

/** POST /providers/{provider}/connect: where to send the user to grant access. */
export async function connectProvider(deps: Deps, caller: Caller, req: ConnectProviderRequest): Promise<ConnectProviderResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.startConnection({ userId: caller.userId, provider: req.provider }, options));
  return create(ConnectProviderResponseSchema, { authorizationUrl: reply.authorizationUrl });
}

/**
 * POST /providers/{provider}/complete: the app redeems the one-time code the callback's redirect handed it. Only the
 * user who started the flow gets the connection (integrations checks the caller against the flow's user).
 */
export async function completeProviderConnection(deps: Deps, caller: Caller, req: CompleteProviderConnectionRequest): Promise<CompleteProviderConnectionResponse> {
  if (req.code === '' || req.code.length > 256) throw new InvalidArgumentError('code must be the code from the app redirect', { reason: 'invalid_code' });
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) =>
    deps.peers.integrations.redeemConnection({ userId: caller.userId, provider: req.provider, code: req.code }, options),
  );
  return create(CompleteProviderConnectionResponseSchema, { provider: reply.provider, ...(reply.connectedAt ? { connectedAt: reply.connectedAt } : {}) });
}

/** DELETE /providers/{provider}. */
export async function disconnectProvider(deps: Deps, caller: Caller, req: DisconnectProviderRequest): Promise<DisconnectProviderResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.disconnect({ userId: caller.userId, provider: req.provider }, options));
  return create(DisconnectProviderResponseSchema, { disconnected: reply.disconnected });
}

/**
 * GET /providers: the caller's connections and whether each still syncs. A grant the provider refused (revoked, or a
 * WHOOP refresh whose answer was lost) is `reauth_required` here, and only here: the app offers to connect again.
 */
export async function listProviderConnections(deps: Deps, caller: Caller, _req: ListProviderConnectionsRequest): Promise<ListProviderConnectionsResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.listConnections({ userId: caller.userId }, options));
  return create(ListProviderConnectionsResponseSchema, { connections: reply.connections });
}

// Unauthenticated by design: integrations verifies the OAuth `state`, the webhook signature, the channel token or Graph's clientState.

/**
 * GET /providers/{provider}/callback: keeps the grant aside and answers where to send the browser (the app, with a
 * one-time code). The user who started the flow and was erased since gets the answer of every other route.
 */
export async function completeConnection(deps: Deps, req: CompleteConnectionRequest): Promise<CompleteConnectionResponse> {
  try {
    return await callPeer('integrations', (options) => deps.peers.integrations.completeConnection(req, options));
  } catch (error) {
    throw isUnknownUser(error) ? userNotRegistered() : error;
  }
}

/** POST /webhooks/whoop: the raw body travels as bytes, so the signature can be checked over it. */
export function handleWhoopWebhook(deps: Deps, req: HandleWhoopWebhookRequest): Promise<HandleWhoopWebhookResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.handleWhoopWebhook(req, options));
}

/** POST /webhooks/google-calendar. */
export function handleCalendarNotification(deps: Deps, req: HandleCalendarNotificationRequest): Promise<HandleCalendarNotificationResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.handleCalendarNotification(req, options));
}

/** POST /webhooks/microsoft: Graph's validation handshake (its token) or notifications (the raw body); integrations says what to answer. */
export function handleGraphNotification(deps: Deps, req: HandleGraphNotificationRequest): Promise<HandleGraphNotificationResponse> {
  return callPeer('integrations', (options) => deps.peers.integrations.handleGraphNotification(req, options));
}
