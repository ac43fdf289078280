import type { Insertable, Selectable } from 'kysely';
import type { RevocationsTable } from './database.ts';
import type { Db } from './db.ts';

export type RevocationRow = Selectable<RevocationsTable>;

export async function insertRevocation(db: Db, row: Insertable<RevocationsTable>): Promise<void> {
  await db.insertInto('revocations').values(row).execute();
}

/** Claims due revocations with a lease, as connections are claimed for syncs. */
export function claimDueRevocations(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<RevocationRow[]> {
  return db
    .updateTable('revocations')
    .set({ lease_until: leaseUntil })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('revocations as due')
        .select('due.id')
        .where('due.due_at', '<=', now)
        .where((w) => w.or([w('due.lease_until', 'is', null), w('due.lease_until', '<', now)]))
        .orderBy('due.due_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

export async function deleteRevocation(db: Db, id: string): Promise<void> {
  await db.deleteFrom('revocations').where('id', '=', id).execute();
}

export async function retryRevocationAt(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('revocations')
    .set((eb) => ({ due_at: at, lease_until: null, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}
