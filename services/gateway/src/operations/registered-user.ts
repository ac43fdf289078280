import { Code, ConnectError, type CallOptions } from '@connectrpc/connect';
import { errorReasonHeader, NotFoundError, UnavailableError } from '@omtobe/platform';
import { callPeer } from '../peers/call.ts';
import type { PeerName } from '../peers/peers.ts';
import { findUser } from '../store/users.repo.ts';
import type { Caller, GatewayDeps } from './context.ts';

/**
 * Calls a service about the caller. Services learn of a user from users.v1 a moment after registration: in
 * that window their NOT_FOUND `unknown_user` becomes a retryable 503 (`registration_in_progress`); without
 * a profile it is a 404 that says how to register.
 */
export async function forRegisteredUser<T>(deps: GatewayDeps, caller: Caller, peer: PeerName, call: (options: CallOptions) => Promise<T>): Promise<T> {
  try {
    return await callPeer(peer, call, caller.signal);
  } catch (error) {
    if (!(error instanceof ConnectError) || error.code !== Code.NotFound || error.metadata.get(errorReasonHeader) !== 'unknown_user') throw error;
    if (await findUser(deps.db, caller.userId)) {
      throw new UnavailableError('the registration is still being processed; retry in a moment', { reason: 'registration_in_progress' });
    }
    throw new NotFoundError('register first with POST /api/v1/users', { reason: 'user_not_registered' });
  }
}

/**
 * For calls that write the caller's data (uploads, connects, devices): the gateway's profile is checked first, so
 * after DELETE /me they are a 404 `user_not_registered` at once, not only once every service has applied
 * UserDeleted. Integrations refuses users it does not know (or knows as erased) as well; between the two, no
 * upload, connect or device of an erased user is stored, whichever sees the erasure first.
 */
export async function forProfiledUser<T>(deps: GatewayDeps, caller: Caller, peer: PeerName, call: (options: CallOptions) => Promise<T>): Promise<T> {
  if (!(await findUser(deps.db, caller.userId))) {
    throw new NotFoundError('register first with POST /api/v1/users', { reason: 'user_not_registered' });
  }
  return forRegisteredUser(deps, caller, peer, call);
}
