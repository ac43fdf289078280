import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '@omtobe/platform';
import type { Database } from '../store/database.ts';
import { findAnswer, saveAnswer } from '../store/idempotency.repo.ts';
import { lockUserState, type UserState } from '../store/user-states.repo.ts';
import type { Deps } from './deps.ts';
import { rollOverIfDue } from './rollover.ts';
import { unknownUser } from './snapshot.ts';

/**
 * Records a user's answer (a decision, a reflection) once per idempotency key, in one transaction that holds the
 * user's row lock, so retries of one key serialize: a retry gets the first answer back; the same key with a
 * different request is refused. An empty key means no retry protection. `record` runs on the user's state after
 * any due rollover.
 *
 * It stores and returns the finished protobuf response, not a domain view: a retry must get the first answer's
 * bytes back exactly (its ids and times), so the contract shape is what is kept.
 */
export async function answerOnce<Desc extends DescMessage>(
  deps: Deps,
  scope: { userId: string; key: string; request: string; schema: Desc },
  record: (trx: Transaction<Database>, state: UserState, now: Date) => Promise<MessageShape<Desc>>,
): Promise<MessageShape<Desc>> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockUserState(trx, scope.userId);
    if (!locked) throw unknownUser();
    const answer = async () => record(trx, await rollOverIfDue(trx, locked, now), now);
    if (scope.key === '') return answer();
    const requestHash = createHash('sha256').update(scope.request).digest('base64url');
    const earlier = await findAnswer(trx, scope.userId, scope.key);
    if (earlier) {
      if (earlier.requestHash !== requestHash) {
        throw new InvalidArgumentError('this idempotency key was used for a different request', { reason: 'idempotency_key_reused' });
      }
      return fromBinary(scope.schema, earlier.response);
    }
    const response = await answer();
    await saveAnswer(trx, scope.userId, scope.key, { requestHash, response: toBinary(scope.schema, response) }, now);
    return response;
  });
}
