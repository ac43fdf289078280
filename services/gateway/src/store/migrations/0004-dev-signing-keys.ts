import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The development token issuer's key pair (development mode only; empty in production). Kept here so every
 * gateway process of one database signs with the same key: a restarted gateway, or a second replica, accepts
 * the tokens the first one minted.
 */
export const createDevSigningKeysTable: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('dev_signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('private_jwk', 'jsonb', (c) => c.notNull())
      .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};
