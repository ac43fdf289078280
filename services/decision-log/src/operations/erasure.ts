import type { Transaction } from 'kysely';
import { recordErasure, type Erasure } from '@omtobe/events';
import type { Database } from '../store/database.ts';
import { eraseUser } from '../store/users.repo.ts';
import type { Deps } from './deps.ts';

/**
 * A user's erasure: a tombstone naming the registration it ended, then every row of the user deleted. The
 * tombstone comes first because it takes the user's lock: a decision of the erased registration may still be on
 * its way (another topic; made before the state engine applied the erasure, so possibly after this one) or being
 * applied right now; it must not come back. Returns how many rows went, for the log line.
 */
export async function eraseUserData(
  deps: Deps,
  trx: Transaction<Database>,
  userId: string,
  erasure: Erasure,
): Promise<{ decisions: number; reflections: number }> {
  await recordErasure(trx, userId, erasure);
  const erased = await eraseUser(trx, userId);
  deps.metrics.userErased();
  return erased;
}
