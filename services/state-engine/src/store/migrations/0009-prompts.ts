import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The prompt each user was last told about (prompts.v1): what the app should show, the event it is about (its id
 * and times, so a withdrawal can name it after the event row is gone), when it lapses, and the user's count of
 * transitions. `due_at` now also carries the next instant the prompt may change; every existing user is due at
 * once, so the first pass of the due-work loop publishes whatever already shows.
 */
export const addPrompts: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('user_states')
      .addColumn('prompt_kind', 'text', (c) => c.notNull().defaultTo('none').check(sql`prompt_kind in ('none', 'brake', 'reflection')`))
      .addColumn('prompt_event_id', 'text')
      .addColumn('prompt_event_starts_at', 'timestamptz')
      .addColumn('prompt_event_ends_at', 'timestamptz')
      .addColumn('prompt_expires_at', 'timestamptz')
      .addColumn('prompt_day', 'integer')
      .addColumn('prompt_sequence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('transition_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('reading_requested_event_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
      .execute();
    await sql`update user_states set due_at = least(due_at, now())`.execute(db);
  },
};
