import type { DevClockTables } from '@omtobe/db';
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

/** Development mode's signing key (see migrations/0004-dev-signing-keys.ts). */
export interface DevSigningKeysTable {
  kid: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
}

export interface Database extends OutboxTables, InboxTables, DevClockTables {
  users: UsersTable;
  dev_signing_keys: DevSigningKeysTable;
}
