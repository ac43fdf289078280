import { sql, type SelectQueryBuilder, type StringReference } from 'kysely';

/**
 * The rows a claim may lease, the one rule of every claim (syncs, revocations, pushes): due by `now`, never leased or
 * with the lease ended, oldest due first, at most `limit`, locked FOR UPDATE SKIP LOCKED so that replicas claiming at
 * the same moment take different rows. The caller's UPDATE sets its lease on these rows in the same statement (and
 * so inside the caller's transaction); a replica that dies mid-work leaves its rows to be claimed again once the lease
 * has ended. The row locks last only for that one UPDATE (the lease, not a lock, holds a claim), so a claim needs no
 * transaction of its own: claims take `Db`.
 */
export function dueUnleased<DB, TB extends keyof DB, O>(
  due: SelectQueryBuilder<DB, TB, O>,
  columns: { dueAt: StringReference<DB, TB> & string; leaseUntil: StringReference<DB, TB> & string },
  now: Date,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  const dueAt = sql.ref(columns.dueAt);
  const leaseUntil = sql.ref(columns.leaseUntil);
  return due
    .where(sql<boolean>`${dueAt} <= ${now} and (${leaseUntil} is null or ${leaseUntil} < ${now})`)
    .orderBy(dueAt)
    .limit(limit)
    .forUpdate()
    .skipLocked();
}
