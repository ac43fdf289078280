import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The registration a user's state belongs to (UserRegistered.registered_at), stamped on the events the engine
 * publishes so that an erasure drops them whenever they arrive. Null for states created before it (their time of
 * registration was not kept) and for a state created from a zone change: their events carry no registration, and
 * consumers judge them by when they occurred.
 */
export const addUserRegistration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('user_states').addColumn('registered_at', 'timestamptz').execute();
  },
};
