import { createInboxTable, createOutboxTable } from '@omtobe/events';
import { createDevClockTable, type Migrations } from '@omtobe/db';
import { createUsersTable } from './0003-users.ts';
import { createDevSigningKeysTable } from './0004-dev-signing-keys.ts';

/** Every migration of schema `gateway`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_users': createUsersTable,
  '0004_dev_signing_keys': createDevSigningKeysTable,
  '0005_dev_clock': createDevClockTable,
};
