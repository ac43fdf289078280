import { createHash } from 'node:crypto';
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '@omtobe/platform';
import type { Db } from '../store/db.ts';
import { findAnswer, saveAnswer } from '../store/idempotency.repo.ts';

/**
 * Runs `record` once per (user, idempotency key) inside the caller's transaction (which holds the user's
 * row lock, so retries of one key serialize): a retry gets the first answer back; the same key with a
 * different request is refused. An empty key means no retry protection.
 */
export async function once<Desc extends DescMessage>(
  trx: Db,
  scope: { userId: string; key: string; request: string; schema: Desc; now: Date },
  record: () => Promise<MessageShape<Desc>>,
): Promise<MessageShape<Desc>> {
  if (scope.key === '') return record();
  const requestHash = createHash('sha256').update(scope.request).digest('base64url');
  const earlier = await findAnswer(trx, scope.userId, scope.key);
  if (earlier) {
    if (earlier.requestHash !== requestHash) {
      throw new InvalidArgumentError('this idempotency key was used for a different request', { reason: 'idempotency_key_reused' });
    }
    return fromBinary(scope.schema, earlier.response);
  }
  const answer = await record();
  await saveAnswer(trx, scope.userId, scope.key, { requestHash, response: toBinary(scope.schema, answer) }, scope.now);
  return answer;
}
