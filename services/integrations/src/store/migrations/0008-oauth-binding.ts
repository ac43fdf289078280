import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * OAuth bound to its user (issue 15): the PKCE verifier kept with its state (encrypted), and grants a callback
 * exchanged, kept aside until the user who started the flow redeems the one-time code the app was handed.
 */
export const addOAuthBinding: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('oauth_states').addColumn('code_verifier', 'bytea').execute();
    await db.schema
      .createTable('oauth_grants')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_user_id', 'text')
      .addColumn('access_token', 'bytea', (c) => c.notNull())
      .addColumn('refresh_token', 'bytea', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('access_expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oauth_grants_expires_at_idx').on('oauth_grants').column('expires_at').execute();
    await db.schema.createIndex('oauth_grants_user_idx').on('oauth_grants').column('user_id').execute();
  },
};
