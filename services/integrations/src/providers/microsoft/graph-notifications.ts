import { InvalidArgumentError, PermissionDeniedError } from '@omtobe/platform';
import { matchesSecretHash } from '../../domain/oauth-state.ts';
import { requestSync } from '../../store/connections.repo.ts';
import { deleteGraphSubscription, findGraphSubscriptions, updateGraphSubscription } from '../../store/graph-subscriptions.repo.ts';
import { microsoftProvider } from './microsoft.ts';
import type { MicrosoftDeps } from './microsoft-deps.ts';

/** What reached our notification URL: the (decoded) `validationToken` query parameter, if any, and the raw body. */
export interface GraphWebhookRequest {
  validationToken?: string;
  body: string;
}

/** What to answer Graph: the transport writes status, content type and body as they are. */
export interface GraphWebhookAnswer {
  status: 200 | 202;
  contentType: string;
  body: string;
  /** Users whose sync was asked for (0 for a validation). */
  syncsRequested: number;
}

interface GraphNotification {
  subscriptionId?: string;
  clientState?: string | null;
  lifecycleEvent?: string;
  changeType?: string;
}

/** Graph's tokens are short (a sentence and a request id); anything far longer is not Graph's. */
const MAX_VALIDATION_TOKEN = 1024;

/**
 * Microsoft Graph posts three things to the notification URL, which is also the lifecycle URL here:
 *
 * - **the validation handshake** (`?validationToken=…`, on creating a subscription): answered 200 `text/plain` with
 *   the token as is, at once and without touching the database (Graph waits 10 s at most);
 * - **change notifications** (`{ value: [{ subscriptionId, clientState, changeType, resource }] }`): they say only
 *   "something changed", so each asks for a delta sync of the subscription's user — the data comes from the sync,
 *   and a sync after many notifications reads the changes once;
 * - **lifecycle notifications** (`lifecycleEvent`): `reauthorizationRequired` marks the subscription for renewal by
 *   the next sync (which renews it with a fresh token) and asks for that sync now; `subscriptionRemoved` forgets it
 *   and asks for a sync, which creates a new one and catches up with delta; `missed` asks for a sync (the delta
 *   round brings what the lost notifications were about).
 *
 * Every notification's `clientState` must hash to the one kept for its subscription (constant-time comparison): one
 * wrong secret refuses the whole delivery (PERMISSION_DENIED) and nothing in it is applied. Notifications of
 * subscriptions we no longer hold are acknowledged and ignored, so Graph does not retry them. The answer is 202:
 * the work is queued (the worker is woken), well inside Graph's 3 s.
 */
export async function handleGraphWebhook(deps: MicrosoftDeps, request: GraphWebhookRequest): Promise<GraphWebhookAnswer> {
  if (request.validationToken !== undefined) {
    if (request.validationToken === '' || request.validationToken.length > MAX_VALIDATION_TOKEN) {
      throw new InvalidArgumentError('validationToken is empty or too long', { reason: 'invalid_validation_token' });
    }
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: request.validationToken, syncsRequested: 0 };
  }
  const notifications = parse(request.body);
  const held = new Map((await findGraphSubscriptions(deps.db, [...new Set(notifications.map((n) => n.subscriptionId ?? ''))])).map((s) => [s.subscription_id, s]));
  for (const n of notifications) {
    const sub = held.get(n.subscriptionId ?? '');
    if (sub && !matchesSecretHash(n.clientState ?? '', sub.client_state_hash)) {
      deps.logger.warn({ provider: 'microsoft', user_id: sub.user_id }, 'Graph notification with a wrong clientState refused');
      throw new PermissionDeniedError('clientState does not match', { reason: 'invalid_client_state' });
    }
  }
  const now = deps.clock.now();
  const users = new Set<string>();
  for (const n of notifications) {
    const sub = held.get(n.subscriptionId ?? '');
    if (!sub) {
      deps.logger.info({ provider: 'microsoft' }, 'notification for an unknown Graph subscription ignored');
      continue;
    }
    if (n.lifecycleEvent === 'reauthorizationRequired') await updateGraphSubscription(deps.db, sub.subscription_id, { reauthorize_requested_at: now });
    else if (n.lifecycleEvent === 'subscriptionRemoved') await deleteGraphSubscription(deps.db, sub.subscription_id);
    if (n.lifecycleEvent) deps.logger.info({ provider: 'microsoft', user_id: sub.user_id, lifecycle_event: n.lifecycleEvent }, 'Graph lifecycle notification');
    users.add(sub.user_id);
  }
  let requested = 0;
  for (const userId of users) requested += await requestSync(deps.db, { userId, provider: microsoftProvider }, now);
  if (requested > 0) deps.wake();
  return { status: 202, contentType: 'text/plain; charset=utf-8', body: '', syncsRequested: requested };
}

function parse(body: string): GraphNotification[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new InvalidArgumentError('the notification is not JSON', { reason: 'invalid_notification' });
  }
  const value = (doc as { value?: unknown } | null)?.value;
  if (!Array.isArray(value) || value.some((n) => typeof n !== 'object' || n === null)) {
    throw new InvalidArgumentError('the notification has no value array', { reason: 'invalid_notification' });
  }
  return value as GraphNotification[];
}
