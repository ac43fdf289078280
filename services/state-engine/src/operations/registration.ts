import { timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { UserState } from '../store/user-states.repo.ts';

/**
 * The `registered_at` stamped on every decisions.v1 event of the user: the registration their state belongs to.
 * An erasure names the registration it ends, and the decision log drops that registration's events whenever they
 * arrive — also a decision made after DELETE /me but before this engine applied the erasure, which occurred after
 * it. Left out when unknown (see UserStatesTable.registered_at): consumers then judge by when the event occurred.
 */
export function registrationOf(state: Pick<UserState, 'registered_at'>): { registeredAt?: Timestamp } {
  return state.registered_at ? { registeredAt: timestampFromDate(state.registered_at) } : {};
}
