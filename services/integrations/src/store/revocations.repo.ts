import type { Insertable, Selectable } from 'kysely';
import type { Db, RevocationsTable } from './database.ts';
import { dueUnleased } from './lease.ts';

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
      dueUnleased(eb.selectFrom('revocations as due').select('due.id'), { dueAt: 'due.due_at', leaseUntil: 'due.lease_until' }, now, limit),
    )
    .returningAll()
    .execute();
}

/**
 * A claim of a revocation: its id and the lease it was claimed with. Finishing is conditional on that lease still
 * being the row's — a successor claims only once the lease has ended, with a lease ending later — so a replica
 * that outlived its lease (a slow batch) neither deletes nor reschedules a row another replica is working on.
 */
export type RevocationClaim = Pick<RevocationRow, 'id'> & { lease_until: Date | null };

/** Done with (revoked, or given up): deleted while still claimed. Returns whether the claim was still ours. */
export async function deleteRevocation(db: Db, claim: RevocationClaim): Promise<boolean> {
  const result = await db.deleteFrom('revocations').where('id', '=', claim.id).where('lease_until', '=', leaseOf(claim)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Tried again at `at`: a failed attempt counts; a provider's rate limit does not, and stamps when rate limits began
 * holding the row back (kept from the first). Returns whether the claim was still ours.
 */
export async function retryRevocationAt(db: Db, claim: RevocationClaim, at: Date, change: { counted: true } | { counted: false; rateLimitedAt: Date }): Promise<boolean> {
  const result = await db
    .updateTable('revocations')
    .set((eb) => ({
      due_at: at,
      lease_until: null,
      ...(change.counted ? { attempts: eb('attempts', '+', 1) } : { rate_limited_since: eb.fn.coalesce('rate_limited_since', eb.val(change.rateLimitedAt)) }),
    }))
    .where('id', '=', claim.id)
    .where('lease_until', '=', leaseOf(claim))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function leaseOf(claim: RevocationClaim): Date {
  if (!claim.lease_until) throw new Error('a revocation is finished only under the lease it was claimed with');
  return claim.lease_until;
}
