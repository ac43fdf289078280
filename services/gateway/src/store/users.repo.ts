import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, UsersTable } from './database.ts';

export type Db = Kysely<Database> | Transaction<Database>;
export type UserRow = Selectable<UsersTable>;

export function findUser(db: Db, userId: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Locks the user's row for the transaction: profile changes of one user serialize. */
export function lockUser(trx: Db, userId: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function insertUser(db: Db, user: UserRow): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function updateUser(db: Db, userId: string, changes: { email: string; timezone: string; updated_at: Date }): Promise<void> {
  await db.updateTable('users').set(changes).where('user_id', '=', userId).execute();
}

export async function deleteUser(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
