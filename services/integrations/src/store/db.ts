import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.ts';

/** Repositories take the pool or a transaction alike. */
export type Db = Kysely<Database> | Transaction<Database>;
