import { Code, ConnectError } from '@connectrpc/connect';
import { UnavailableError } from '@omtobe/platform';
import type { PeerName } from './peers.ts';

/**
 * Calls another service and names it when it is down or too slow: the caller answers 503 with the failing
 * dependency instead of a vague 500. Every other error (NOT_FOUND, FAILED_PRECONDITION, …) passes through.
 */
export async function callPeer<T>(peer: PeerName, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const connectError = ConnectError.from(error);
    if (connectError.code === Code.Unavailable || connectError.code === Code.DeadlineExceeded) {
      throw new UnavailableError(`${peer} is unavailable`, { reason: `dependency_unavailable:${peer}`, cause: error });
    }
    throw connectError;
  }
}
