import type { ColumnType, Kysely, Transaction } from 'kysely';

/** Column types matching the value mapping decided in database.ts; use them in `*.table.ts` files. */

/** bigint: read as number, written as number, bigint or numeric string. A bigserial id is `Generated<number>`. */
export type Int8 = ColumnType<number, number | bigint | string, number | bigint | string>;

/** timestamptz: read as Date; written as Date or an ISO-8601 string with an offset. */
export type Timestamptz = ColumnType<Date, Date | string, Date | string>;

/** date: a calendar day 'YYYY-MM-DD', read and written as text so no time zone can shift it. */
export type DateOnly = ColumnType<string, string, string>;

/**
 * What a repository function takes first: the database or a transaction of it. A locking read
 * (`FOR UPDATE`, `FOR SHARE`) takes `Transaction<D>` instead, so a lock outside a transaction does not type-check.
 */
export type Queryable<D> = Kysely<D> | Transaction<D>;
