import type { InboxTables, OutboxTables } from '@omtobe/events';

/** The gateway's schema. */
export const schema = 'gateway';

export interface UsersTable {
  user_id: string;
  email: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
}

export interface Database extends OutboxTables, InboxTables {
  users: UsersTable;
}
