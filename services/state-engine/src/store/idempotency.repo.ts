import type { Db } from './database.ts';

export interface StoredAnswer {
  requestHash: string;
  response: Uint8Array;
}

export async function findAnswer(db: Db, userId: string, key: string): Promise<StoredAnswer | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { requestHash: row.request_hash, response: row.response };
}

export async function saveAnswer(db: Db, userId: string, key: string, answer: StoredAnswer, now: Date): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: answer.requestHash, response: Buffer.from(answer.response), created_at: now })
    .execute();
}

/** Keys older than any client retry are forgotten. */
export async function purgeAnswers(db: Db, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
