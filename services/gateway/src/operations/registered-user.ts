import { Code, ConnectError, type CallOptions } from '@connectrpc/connect';
import { errorReasonHeader, NotFoundError, UnavailableError } from '@omtobe/platform';
import { callPeer } from '../peers/call.ts';
import type { PeerName } from '../peers/peers.ts';
import { findUser } from '../store/users.repo.ts';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';

/** The one answer for a caller without a profile (never registered, or erased), on every operation about the caller. */
export const userNotRegistered = () => new NotFoundError('register first with POST /api/v1/users', { reason: 'user_not_registered' });

/**
 * Calls a service about the caller, reads and writes alike. The gateway's profile is checked first, so an unknown
 * user and an erased one get the same answer, 404 `user_not_registered`, and an erased one gets it the moment
 * DELETE /me answers — not only once every service has applied UserDeleted (until then a service would still
 * answer from the user's rows, or with empty lists). Services learn of a user from users.v1 a moment after
 * registration: in that window their NOT_FOUND `unknown_user` becomes a retryable 503 (`registration_in_progress`).
 * Integrations refuses users it does not know (or knows as erased) as well; between the two, no upload, connect or
 * device of an erased user is stored, whichever sees the erasure first.
 */
export async function forRegisteredUser<T>(deps: Deps, caller: Caller, peer: PeerName, call: (options: CallOptions) => Promise<T>): Promise<T> {
  if (!(await findUser(deps.db, caller.userId))) throw userNotRegistered();
  try {
    return await callPeer(peer, call, caller.signal);
  } catch (error) {
    if (!isUnknownUser(error)) throw error;
    // Erased between the check and the call: the same answer as before it.
    if (!(await findUser(deps.db, caller.userId))) throw userNotRegistered();
    throw new UnavailableError('the registration is still being processed; retry in a moment', { reason: 'registration_in_progress' });
  }
}

/** A service's refusal of a user it does not know (yet, or any more). */
export function isUnknownUser(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.NotFound && error.metadata.get(errorReasonHeader) === 'unknown_user';
}
