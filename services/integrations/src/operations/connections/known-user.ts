import { NotFoundError } from '@omtobe/platform';
import type { Transaction } from 'kysely';
import type { Database } from '../../store/database.ts';
import { lockKnownUser } from '../../store/users.repo.ts';

/**
 * Everything that writes a user's data on the user's own request (uploads, connects, devices) runs only for a
 * user this service knows from users.v1, inside the writing transaction. An erased user is unknown (erasure
 * deletes `known_users`), so the app's next background upload after DELETE /me stores nothing, even once the
 * tombstone is purged; a re-registration (a later UserRegistered) makes the user known again, from nothing.
 *
 * The price is the moment between registration and its UserRegistered reaching this service: a brand-new user's
 * first upload is refused with NOT_FOUND `unknown_user`, which the gateway answers as a retryable 503
 * `registration_in_progress` (the app keeps its HealthKit anchor and retries). Refused, never silently dropped.
 */
export async function requireKnownUser(trx: Transaction<Database>, userId: string): Promise<void> {
  if (!(await lockKnownUser(trx, userId))) {
    throw new NotFoundError('unknown user: register first', { reason: 'unknown_user' });
  }
}
