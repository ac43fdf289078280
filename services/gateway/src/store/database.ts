import type { DevClockTables, Queryable } from '@omtobe/db';
import type { InboxTables, OutboxTables } from '@omtobe/events';
import type { DevSigningKeysTable } from './dev-signing-keys.table.ts';
import type { UsersTable } from './users.table.ts';

/** The gateway's schema. */
export const schema = 'gateway';

export interface Database extends OutboxTables, InboxTables, DevClockTables {
  users: UsersTable;
  dev_signing_keys: DevSigningKeysTable;
}

/** What a repository takes first: the database or a transaction of it (a locking read takes `Transaction<Database>`). */
export type Db = Queryable<Database>;
