import type { Selectable, Transaction } from 'kysely';
import type { Database, Db } from './database.ts';
import type { UsersTable } from './users.table.ts';

export type UserRow = Selectable<UsersTable>;

export function findUser(db: Db, userId: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Locks the user's row for the transaction: profile changes of one user serialize. */
export function lockUser(trx: Transaction<Database>, userId: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function insertUser(db: Db, user: UserRow): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function updateUser(db: Db, userId: string, changes: { email: string; timezone: string; updated_at: Date }): Promise<void> {
  await db.updateTable('users').set(changes).where('user_id', '=', userId).execute();
}

/** Deletes the profile; returns when it was created (the registration the deletion ends), or undefined without one. */
export async function deleteUser(db: Db, userId: string): Promise<{ createdAt: Date } | undefined> {
  const deleted = await db.deleteFrom('users').where('user_id', '=', userId).returning('created_at').executeTakeFirst();
  return deleted && { createdAt: deleted.created_at };
}

/**
 * The user's events still waiting in the outbox (a registration or zone change not yet published), except those of
 * type `keep`: on erasure they are not published at all, so the user's zone does not reach the other services after
 * DELETE /me. A row the relay is publishing right now is waited for (its row lock) and is gone once published.
 */
export async function deletePendingEvents(db: Db, userId: string, keep: string): Promise<number> {
  const result = await db.deleteFrom('outbox').where('key', '=', userId).where('event_type', '<>', keep).executeTakeFirst();
  return Number(result.numDeletedRows);
}
