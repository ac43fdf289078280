import { Code, ConnectError, type CallOptions } from '@connectrpc/connect';
import { isTransientFailure, UnavailableError } from '@omtobe/platform';
import type { PeerName } from './peers.ts';

/**
 * What a peer that died, restarted or hung up mid-call looks like from here. Besides Unavailable and an expired
 * deadline: a stream reset by the peer's process going away (`http/2 stream closed with error code CANCEL`) is
 * Canceled, and a connection reset (ECONNRESET) is reported by connect-node as Aborted. None of them says the
 * call was refused for a reason the app could act on, and none says whether it was applied: the app retries,
 * with its Idempotency-Key where it has one. No service answers Aborted or Canceled on purpose.
 */
const transientCodes: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.Aborted]);

/**
 * Calls another service and names it when it is down, too slow or gone mid-call: the caller answers 503 with
 * the failing dependency instead of a vague 500 or a final 409. Every other error (NOT_FOUND,
 * FAILED_PRECONDITION, …) passes through. `signal` is the caller's request: a client that hangs up cancels
 * the call downstream instead of leaving a service to work for nobody.
 */
export async function callPeer<T>(peer: PeerName, call: (options: CallOptions) => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call(signal ? { signal } : {});
  } catch (error) {
    const connectError = ConnectError.from(error);
    // A connection reset while the answer is read comes as Internal with the socket error as its cause.
    if (transientCodes.has(connectError.code) || isTransientFailure(connectError)) {
      throw new UnavailableError(`${peer} is unavailable`, { reason: `dependency_unavailable:${peer}`, cause: error });
    }
    throw connectError;
  }
}
